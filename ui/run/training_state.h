// Where training stands, as the training controller (ui/run/training_controller.h) holds it and the
// run panel shows it:
//
//   Idle --start/resume--> Training <--pause/continue--> Paused
//   Training, Paused --stop--> Stopping --the worker reports the committed stop--> Idle
//   Training --the run completes or fails--> Idle
#pragma once

namespace grok {

enum class TrainingState { Idle, Training, Paused, Stopping };

}  // namespace grok
