import ProcessCommands
import ServiceSupport

// Options may also come from `CALLBACKSIM_…` environment variables.
await AWSGatewayCommand.mainReadingEnvironment()
