// The one process set-up: every program that trains or analyses (grokking, grokking-cli, each test
// executable) calls set_up_process(argv) once, first thing in main(), before any other thread
// starts (Qt's application object included). Library code (Trainer, the benchmark, the app's
// snapshot service) never changes process state; it may set only what belongs to its own thread.
//
//   int main(int argc, char** argv) {
//     grok::set_up_process(argv);  // may re-execute the program: nothing before it but this
//     QApplication app(argc, argv);
//     ...
//
// What it sets. All of it is one-way: nothing undoes it, and a later call does nothing.
//   process-wide, read by a library only when it loads (so set in the environment, then the
//   program re-executes itself once, same arguments; a variable the user set is left alone):
//     OPENBLAS_CORETYPE   the kernel family when Debian's OpenBLAS does not know the CPU and falls
//                         back to SSE3 kernels (blas_kernels.h);
//   process-wide:
//     malloc              tensor-sized blocks stay on the heap between steps (malloc_tuning.h);
//     default intra-op threads
//                         kIntraOpThreads: the count every thread's LibTorch and OpenBLAS work
//                         starts with (at::set_num_threads' process-wide part);
//   this thread, inherited by every thread started after it (so, set first, the whole process):
//     flush-to-zero       and denormals-are-zero (x86 MXCSR): subnormal gradients once memorised.
// What stays per thread, in the library: the intra-op thread count of a thread that computes
// (set_intra_op_threads in compute_thread.h: Trainer, the benchmark, ComputeThread). A run's count
// is chosen from the machine's load when it starts (machine_load.h) and kept for the run.
//
// OpenMP's waiting (libgomp's OMP_WAIT_POLICY, GOMP_SPINCOUNT) keeps libgomp's default: a thread
// spins up to ~3 ms at a barrier before it sleeps; a value the user sets wins. Measured for issue 11
// on 2 cores shared with other builds (so only the direction holds): a passive policy suffers least
// beside busy processes, but costs a quiet machine 1.5-2x on GEMMs (docs/performance.md, "Tried");
// GOMP_SPINCOUNT 10000-20000 gained little under load. What holds up under load without a quiet
// cost is to run no more threads than there are free cores: a run chooses its count when it starts
// (machine_load.h).
//
// Threading: call from main() before any thread starts; process_is_set_up() from any thread.
#pragma once

namespace grok {

// `argv`: main's, null-terminated, for the re-execution; nullptr skips it (the load-time
// environment then stays as it is).
void set_up_process(char** argv);

// Whether set_up_process has run in this process.
bool process_is_set_up();

}  // namespace grok
