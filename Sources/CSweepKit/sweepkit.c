/* CSweepKit is header-only: the functions of sweepkit.h are defined in Swift (SweepKitCAPI).
 * SwiftPM needs one source file in a C target. */
#include "sweepkit.h"
