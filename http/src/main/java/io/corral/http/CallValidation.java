package io.corral.http;

import io.corral.proto.v1.ContainerID;
import io.corral.proto.v1.ContainerInfo;
import io.corral.proto.v1.agent.Call;
import java.util.Optional;

/**
 * The protocol checks Mesos makes on an agent {@link Call} before serving it ({@code
 * slave/validation.cpp} {@code validation::agent::call::validate}, and the ContainerInfo check of
 * {@code Http::launchContainer}): {@code type} is present, the sub-message of the call's type is
 * present, and every ContainerID is well formed. Resource and command checks are the
 * containerizer's. Stateless and thread-safe.
 */
final class CallValidation {
  /**
   * The longest ContainerID value: it names a directory under the sandbox and runtime roots, so
   * it is bounded by {@code NAME_MAX}.
   */
  static final int MAX_ID_LENGTH = 255;

  private CallValidation() {}

  /** The reason {@code call} is invalid, or empty when it may be served. */
  static Optional<String> validate(Call call) {
    if (!call.hasType()) {
      return Optional.of("Expecting 'type' to be present");
    }
    return switch (call.getType()) {
      case LAUNCH_CONTAINER -> call.hasLaunchContainer()
          ? launch(call.getLaunchContainer())
          : missing("launch_container");
      case WAIT_CONTAINER -> call.hasWaitContainer()
          ? containerId("wait_container", call.getWaitContainer().getContainerId())
          : missing("wait_container");
      case KILL_CONTAINER -> call.hasKillContainer()
          ? containerId("kill_container", call.getKillContainer().getContainerId())
          : missing("kill_container");
      case REMOVE_CONTAINER -> call.hasRemoveContainer()
          ? containerId("remove_container", call.getRemoveContainer().getContainerId())
          : missing("remove_container");
      case GET_METRICS -> call.hasGetMetrics() ? Optional.empty() : missing("get_metrics");
      case SET_LOGGING_LEVEL -> call.hasSetLoggingLevel()
          ? Optional.empty()
          : missing("set_logging_level");
      case LIST_FILES -> call.hasListFiles() ? Optional.empty() : missing("list_files");
      case READ_FILE -> call.hasReadFile() ? Optional.empty() : missing("read_file");
      default -> Optional.empty();
    };
  }

  private static Optional<String> launch(Call.LaunchContainer launch) {
    Optional<String> id = containerId("launch_container", launch.getContainerId());
    if (id.isPresent()) {
      return id;
    }
    if (launch.hasContainer() && launch.getContainer().getType() != ContainerInfo.Type.MESOS) {
      return Optional.of("The provided ContainerInfo is not supported");
    }
    return Optional.empty();
  }

  private static Optional<String> missing(String field) {
    return Optional.of("Expecting '" + field + "' to be present");
  }

  private static Optional<String> containerId(String call, ContainerID id) {
    Optional<String> error = idError(id);
    return error.map(e -> "'" + call + ".container_id' is invalid: " + e);
  }

  /** Mesos' {@code validateContainerId}, applied to the id and every parent. */
  static Optional<String> idError(ContainerID id) {
    String value = id.getValue();
    if (value.isEmpty()) {
      return Optional.of("ID must not be empty");
    }
    if (value.length() > MAX_ID_LENGTH) {
      return Optional.of("ID must not be greater than " + MAX_ID_LENGTH + " characters");
    }
    if (value.indexOf('.') >= 0) {
      return Optional.of("'.' is disallowed");
    }
    if (value.indexOf('/') >= 0) {
      return Optional.of("'/' is disallowed");
    }
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (Character.isWhitespace(c) || Character.isISOControl(c)) {
        return Optional.of("Whitespace and control characters are disallowed");
      }
    }
    return id.hasParent() ? idError(id.getParent()) : Optional.empty();
  }
}
