package io.corral.actors.container;

import io.corral.actors.ContainerError;
import io.corral.isolators.UnsupportedFields;
import io.corral.proto.v1.ContainerInfo;
import io.corral.proto.v1.agent.Call;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Checks a launch request before anything is created for it (no directory, no actor). Pure
 * functions, called on the root actor's thread.
 */
final class LaunchValidation {
  /** A container id: 1 to 242 characters, each a letter, a digit, '_' or '-'. */
  static final Pattern ID = Pattern.compile("[A-Za-z0-9_-]{1,242}");

  private LaunchValidation() {}

  /** Why {@code launch} cannot be served, or empty when it can. */
  static Optional<ContainerError> validate(Call.LaunchContainer launch) {
    if (!launch.hasContainerId()) {
      return invalid("Container id is missing");
    }
    String id = launch.getContainerId().getValue();
    if (!ID.matcher(id).matches()) {
      return invalid("Invalid container id '" + printable(id) + "': it must be 1 to 242 characters of"
          + " [A-Za-z0-9_-]");
    }
    if (launch.getContainerId().hasParent()) {
      return invalid("Nested containers are not supported");
    }
    if (launch.hasContainer() && launch.getContainer().getType() != ContainerInfo.Type.MESOS) {
      return invalid("The provided ContainerInfo is not supported");
    }
    if (!launch.hasCommand()) {
      return invalid("Launch request for container '" + id + "' has no command");
    }
    if (!launch.getCommand().hasValue()) {
      return invalid("Launch request for container '" + id + "' has a command without a value");
    }
    List<String> unsupported = new ArrayList<>(UnsupportedFields.of(launch.getContainer()));
    unsupported.addAll(UnsupportedFields.of(launch.getCommand()));
    if (!unsupported.isEmpty()) {
      return invalid(UnsupportedFields.message(unsupported,
          "the launch request for container '" + id + "'"));
    }
    return Optional.empty();
  }

  private static Optional<ContainerError> invalid(String message) {
    return Optional.of(new ContainerError.InvalidRequest(message));
  }

  /** The id with control characters escaped, so that a message stays on one line. */
  private static String printable(String id) {
    StringBuilder out = new StringBuilder();
    id.codePoints().forEach(c -> {
      if (Character.isISOControl(c)) {
        out.append(String.format("\\x%02x", c));
      } else {
        out.appendCodePoint(c);
      }
    });
    return out.toString();
  }
}
