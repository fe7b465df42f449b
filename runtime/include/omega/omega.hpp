#pragma once
// Everything user code needs: the run entry point and the runtime primitives.

#include <omega/actor.hpp>
#include <omega/atomic.hpp>
#include <omega/channel.hpp>
#include <omega/check.hpp>
#include <omega/condvar.hpp>
#include <omega/fiber.hpp>
#include <omega/ivar.hpp>
#include <omega/memo.hpp>
#include <omega/mutex.hpp>
#include <omega/oracle.hpp>
#include <omega/progress.hpp>
#include <omega/random.hpp>
#include <omega/semaphore.hpp>
#include <omega/serializer.hpp>
#include <omega/shared.hpp>
#include <omega/singleflight.hpp>
#include <omega/sim/run.hpp>
#include <omega/time.hpp>
