package io.corral.isolators.filesystem;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.corral.isolators.Contexts;
import io.corral.isolators.IsolatorException;
import io.corral.proto.v1.ContainerInfo;
import io.corral.proto.v1.LaunchPlan;
import io.corral.proto.v1.Volume;
import org.junit.jupiter.api.Test;

class PosixFilesystemIsolatorTest {
  private final PosixFilesystemIsolator isolator = new PosixFilesystemIsolator();

  @Test
  void runsInTheSandboxWithMesosSandboxSet() {
    assertEquals(LaunchPlan.newBuilder()
            .setWorkingDirectory("/work/containers/c1")
            .addEnvironment("MESOS_SANDBOX=/work/containers/c1")
            .build(),
        isolator.prepare(Contexts.of("c1")));
  }

  @Test
  void refusesVolumes() {
    ContainerInfo withVolume = ContainerInfo.newBuilder().setType(ContainerInfo.Type.MESOS)
        .addVolumes(Volume.newBuilder().setContainerPath("/tmp").setHostPath("tmp")
            .setMode(Volume.Mode.RW))
        .build();
    IsolatorException e = assertThrows(IsolatorException.class,
        () -> isolator.prepare(Contexts.of("c1", withVolume)));
    assertEquals("Failed to prepare: volumes in ContainerInfo are not supported by"
        + " 'filesystem/posix'; use 'filesystem/shared'", e.getMessage());
  }
}
