#pragma once
// Everything user code needs: the run entry point and the runtime primitives.

#include <omega/check.hpp>
#include <omega/fiber.hpp>
#include <omega/random.hpp>
#include <omega/sim/run.hpp>
