package io.corral.actors.launch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.corral.proto.v1.ContainerPids;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Checkpoint writes: the new content replaces the old in one rename, and no temporary file stays. */
class CheckpointsWriteTest {
  @TempDir Path dir;

  @Test
  void aCheckpointReplacesTheOldOneAndLeavesNoTemporaryFile() throws IOException {
    Path target = dir.resolve("pids");
    Checkpoints.write(target, Checkpoints.pids(10, 9, 1234));
    Checkpoints.write(target, Checkpoints.pids(11, 10, 5678));
    assertEquals(ContainerPids.newBuilder().setInitPid(11).setHelperPid(10).setInitStartTicks(5678).build(),
        ContainerPids.parseFrom(Files.readAllBytes(target)));
    try (Stream<Path> files = Files.list(dir)) {
      assertEquals(List.of(target), files.toList());
    }
  }

  @Test
  void aCheckpointIntoAMissingDirectoryFailsAndCreatesNothing() {
    Path target = dir.resolve("gone").resolve("pids");
    assertThrows(IOException.class, () -> Checkpoints.write(target, Checkpoints.pids(1, 1, 1)));
    assertEquals(false, Files.exists(dir.resolve("gone")));
  }
}
