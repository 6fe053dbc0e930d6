package io.corral.posix;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.corral.proto.v1.ContainerID;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicFilesTest {
  @TempDir Path dir;

  @Test
  void replacesTheWholeFileAndLeavesNoTempFile() throws IOException {
    Path target = dir.resolve("record");
    AtomicFiles.writeDurably(target, ContainerID.newBuilder().setValue("a-much-longer-first-value").build());
    AtomicFiles.write(target, ContainerID.newBuilder().setValue("b").build());
    assertEquals("b", ContainerID.parseFrom(Files.readAllBytes(target)).getValue());
    assertFalse(Files.exists(dir.resolve("record" + AtomicFiles.TEMP_SUFFIX)));
  }

  @Test
  void aFailedWriteKeepsTheOldFileAndRemovesTheTempFile() throws IOException {
    Path target = dir.resolve("record");
    AtomicFiles.write(target, ContainerID.newBuilder().setValue("old").build());
    Files.createDirectory(dir.resolve("blocked"));
    Files.createDirectory(dir.resolve("blocked").resolve("inner"));
    assertThrows(IOException.class,
        () -> AtomicFiles.write(dir.resolve("blocked"), ContainerID.newBuilder().setValue("x").build()));
    assertFalse(Files.exists(dir.resolve("blocked" + AtomicFiles.TEMP_SUFFIX)));
    assertEquals("old", ContainerID.parseFrom(Files.readAllBytes(target)).getValue());
  }
}
