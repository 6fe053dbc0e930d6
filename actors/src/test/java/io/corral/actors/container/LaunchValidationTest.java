package io.corral.actors.container;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.corral.actors.ContainerError;
import io.corral.actors.ContainerizerSettings;
import io.corral.isolators.Isolator;
import io.corral.posix.launch.LogRotation;
import io.corral.proto.v1.CommandInfo;
import io.corral.proto.v1.ContainerID;
import io.corral.proto.v1.ContainerInfo;
import io.corral.proto.v1.Environment;
import io.corral.proto.v1.NetworkInfo;
import io.corral.proto.v1.agent.Call;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** An isolator's {@code honours} lifts a refusal; its {@code invalid} adds one. */
class LaunchValidationTest {
  private static final Call.LaunchContainer NETWORKED = Call.LaunchContainer.newBuilder()
      .setContainerId(ContainerID.newBuilder().setValue("c1"))
      .setCommand(CommandInfo.newBuilder().setValue("true"))
      .setContainer(ContainerInfo.newBuilder().setType(ContainerInfo.Type.MESOS)
          .addNetworkInfos(NetworkInfo.newBuilder().setName("blue")))
      .build();

  private record Networks(Set<String> known) implements Isolator {
    @Override
    public String name() {
      return "test/networks";
    }

    @Override
    public Set<String> honours() {
      return Set.of("container.network_infos");
    }

    @Override
    public Optional<String> invalid(ContainerInfo container, CommandInfo command) {
      return container.getNetworkInfosList().stream().map(NetworkInfo::getName)
          .filter(name -> !known.contains(name)).findFirst().map(name -> "Unknown network '" + name + "'");
    }
  }

  @Test
  void aFieldNoIsolatorHonoursIsRefused() {
    assertEquals("Unsupported field 'container.network_infos' in the launch request for container 'c1':"
        + " Corral cannot honour it", message(LaunchValidation.validate(NETWORKED, null, List.of())));
  }

  @Test
  void anIsolatorThatHonoursAFieldLiftsTheRefusal() {
    assertTrue(LaunchValidation.validate(NETWORKED, null, List.of(new Networks(Set.of("blue")))).isEmpty());
  }

  @Test
  void anIsolatorsRefusalNamesTheContainer() {
    assertEquals("Failed to launch container 'c1': Unknown network 'blue'",
        message(LaunchValidation.validate(NETWORKED, null, List.of(new Networks(Set.of("red"))))));
  }

  @Test
  void aBadLoggerOverrideIsRefusedOnlyWhenTheLogsAreRotated() {
    Call.LaunchContainer launch = Call.LaunchContainer.newBuilder()
        .setContainerId(ContainerID.newBuilder().setValue("c1"))
        .setCommand(CommandInfo.newBuilder().setValue("true").setEnvironment(Environment.newBuilder()
            .addVariables(Environment.Variable.newBuilder().setName("CONTAINER_LOGGER_MAX_STDOUT_SIZE").setValue("1B"))))
        .build();
    ContainerizerSettings sandbox = new ContainerizerSettings(Path.of("/w"), Path.of("/r"), List.of(), null, null,
        null);
    assertTrue(LaunchValidation.validate(launch, sandbox).isEmpty(), "the sandbox logger reads no override");
    assertEquals("Failed to launch container 'c1': Failed to load container logger settings: Failed to parse"
        + " 'CONTAINER_LOGGER_MAX_STDOUT_SIZE': '1B' is below the minimum of 4096 bytes",
        message(LaunchValidation.validate(launch, sandbox.withLogRotation(new LogRotation(8192, 0, 8192, 0)))));
  }

  private static String message(Optional<ContainerError> error) {
    return error.orElseThrow().message();
  }
}
