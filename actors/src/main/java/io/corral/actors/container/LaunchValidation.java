package io.corral.actors.container;

import io.corral.actors.ContainerError;
import io.corral.actors.ContainerizerSettings;
import io.corral.images.Provisioner;
import io.corral.images.fetcher.FetchUris;
import io.corral.isolators.Isolator;
import io.corral.isolators.IsolatorException;
import io.corral.isolators.UnsupportedFields;
import io.corral.isolators.docker.DockerRuntime;
import io.corral.proto.v1.Image;
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

  /** Why {@code launch} cannot be served by an agent without images, or empty when it can. */
  static Optional<ContainerError> validate(Call.LaunchContainer launch) {
    return validate(launch, null, List.of());
  }

  /** Why {@code launch} cannot be served by the agent these settings describe, or empty. */
  static Optional<ContainerError> validate(Call.LaunchContainer launch, ContainerizerSettings settings) {
    Optional<ContainerError> refused = validate(launch, settings.provisioner(), settings.isolators());
    if (refused.isEmpty() && settings.logRotation() != null) {
      try {
        settings.logRotation().overriddenBy(launch.getCommand().getEnvironment());
      } catch (IllegalArgumentException e) {
        return invalid("Failed to launch container '" + launch.getContainerId().getValue() + "': " + e.getMessage());
      }
    }
    return refused;
  }

  /**
   * Why {@code launch} cannot be served by these isolators, or empty when it can; {@code
   * provisioner} is null when the agent has no images.
   */
  static Optional<ContainerError> validate(Call.LaunchContainer launch, Provisioner provisioner,
      List<? extends Isolator> isolators) {
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
    boolean image = launch.getContainer().getMesos().hasImage();
    if (image) {
      Optional<ContainerError> refused = validateImage(launch, provisioner);
      if (refused.isPresent()) {
        return refused;
      }
    } else if (!launch.getCommand().hasValue()) {
      return invalid("Launch request for container '" + id + "' has a command without a value");
    }
    ContainerInfo container = image ? withoutImage(launch.getContainer()) : launch.getContainer();
    List<String> unsupported = new ArrayList<>(UnsupportedFields.of(container));
    unsupported.addAll(UnsupportedFields.of(launch.getCommand()));
    isolators.forEach(isolator -> unsupported.removeAll(isolator.honours()));
    if (!unsupported.isEmpty()) {
      return invalid(UnsupportedFields.message(unsupported,
          "the launch request for container '" + id + "'"));
    }
    Optional<String> badUri = FetchUris.invalid(launch.getCommand());
    if (badUri.isPresent()) {
      return invalid("Failed to launch container '" + id + "': Failed to fetch " + badUri.get());
    }
    for (Isolator isolator : isolators) {
      Optional<String> refused = isolator.invalid(launch.getContainerId(), launch.getContainer(), launch.getCommand());
      if (refused.isPresent()) {
        return invalid("Failed to launch container '" + id + "': " + refused.get());
      }
    }
    return Optional.empty();
  }

  /**
   * An image needs an agent with images, a Docker image whose name the provisioner accepts, and,
   * with a shell command, a value (the one cell of docker/runtime's table that the request alone
   * decides; the others depend on the image's config and fail the launch).
   */
  private static Optional<ContainerError> validateImage(Call.LaunchContainer launch, Provisioner provisioner) {
    String id = launch.getContainerId().getValue();
    if (provisioner == null) {
      return invalid("Failed to launch container '" + id + "': it names an image ('container.mesos.image')"
          + " and this agent has no image support: start it with --image_providers=docker and"
          + " --isolation including filesystem/linux,docker/runtime");
    }
    Image requested = launch.getContainer().getMesos().getImage();
    List<String> unsupported = new ArrayList<>();
    if (requested.getDocker().hasCredential()) {
      unsupported.add("container.mesos.image.docker.credential");
    }
    if (requested.getDocker().hasConfig()) {
      unsupported.add("container.mesos.image.docker.config");
    }
    if (!unsupported.isEmpty()) {
      return invalid(UnsupportedFields.message(unsupported, "the launch request for container '" + id + "'"));
    }
    Optional<String> refused = provisioner.invalid(requested);
    if (refused.isPresent()) {
      return invalid("Failed to launch container '" + id + "': " + refused.get());
    }
    try {
      DockerRuntime.validate(launch.getCommand());
    } catch (IsolatorException e) {
      return invalid("Failed to launch container '" + id + "': " + e.getMessage());
    }
    return Optional.empty();
  }

  private static ContainerInfo withoutImage(ContainerInfo info) {
    ContainerInfo.Builder copy = info.toBuilder();
    copy.getMesosBuilder().clearImage();
    return copy.build();
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
