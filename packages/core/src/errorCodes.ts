/**
 * Every error code an `@lb/*` package can raise. Codes are stable: match on `err.code`, never on the message.
 * `docs/errors.md` describes each one; a test keeps the two in step.
 */
export const ErrorCode = {
  invalidPort: 'LB_ERR_INVALID_PORT',
  missingLoadBalancerPort: 'LB_ERR_MISSING_LOAD_BALANCER_PORT',
  portConflict: 'LB_ERR_PORT_CONFLICT',
  invalidProcessCount: 'LB_ERR_INVALID_PROCESS_COUNT',
  unknownStrategy: 'LB_ERR_UNKNOWN_STRATEGY',
  invalidStrategy: 'LB_ERR_INVALID_STRATEGY',
  duplicateBackend: 'LB_ERR_DUPLICATE_BACKEND',
  invalidWeight: 'LB_ERR_INVALID_WEIGHT',
  invalidBackend: 'LB_ERR_INVALID_BACKEND',
  invalidOption: 'LB_ERR_INVALID_OPTION',
  unknownBackend: 'LB_ERR_UNKNOWN_BACKEND',
  noHealthyBackend: 'LB_ERR_NO_HEALTHY_BACKEND',
  notStarted: 'LB_ERR_NOT_STARTED',
  alreadyStarted: 'LB_ERR_ALREADY_STARTED',
  listenFailed: 'LB_ERR_LISTEN_FAILED',
  upstreamConnect: 'LB_ERR_UPSTREAM_CONNECT',
  upstreamTimeout: 'LB_ERR_UPSTREAM_TIMEOUT',
  upstreamProtocol: 'LB_ERR_UPSTREAM_PROTOCOL',
  upstreamReset: 'LB_ERR_UPSTREAM_RESET',
  workerNotReady: 'LB_ERR_WORKER_NOT_READY',
  workerCrashLoop: 'LB_ERR_WORKER_CRASH_LOOP',
  workerSpawnFailed: 'LB_ERR_WORKER_SPAWN_FAILED',
  invalidCliArgument: 'LB_ERR_INVALID_CLI_ARGUMENT',
  queueFull: 'LB_ERR_QUEUE_FULL',
  workerCrashed: 'LB_ERR_WORKER_CRASHED',
  poolClosed: 'LB_ERR_POOL_CLOSED',
  poolInitFailed: 'LB_ERR_POOL_INIT_FAILED',
  taskAborted: 'LB_ERR_TASK_ABORTED',
  taskTimeout: 'LB_ERR_TASK_TIMEOUT',
  handlerScope: 'LB_ERR_HANDLER_SCOPE',
  handlerNotSerializable: 'LB_ERR_HANDLER_NOT_SERIALIZABLE',
  taskModule: 'LB_ERR_TASK_MODULE',
  discoveryFailed: 'LB_ERR_DISCOVERY_FAILED',
  discoveryInvalid: 'LB_ERR_DISCOVERY_INVALID',
  discoveryEmpty: 'LB_ERR_DISCOVERY_EMPTY',
} as const;

/** The union of every stable error code. */
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];
