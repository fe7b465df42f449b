#include <omega/runner.hpp>

int main(int argc, char** argv) { return omega::run_main(argc, argv); }
