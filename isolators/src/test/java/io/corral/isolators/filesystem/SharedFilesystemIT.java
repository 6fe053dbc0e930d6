package io.corral.isolators.filesystem;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.corral.isolators.Isolator;
import io.corral.isolators.IsolatorException;
import io.corral.isolators.RealLaunches;
import io.corral.isolators.namespaces.IpcNamespaceIsolator;
import io.corral.isolators.namespaces.PidNamespaceIsolator;
import io.corral.posix.testing.TestDirectories;
import io.corral.proto.v1.ContainerInfo;
import io.corral.proto.v1.Volume;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * filesystem/shared in real containers (Mesos' {@code SharedFilesystemIsolatorTest}): a private
 * sticky {@code /tmp}, a read-only volume that really is, refusals that leave nothing behind,
 * and a host mount table and IPC tables unchanged by 50 containers with volumes.
 */
@Tag("root")
class SharedFilesystemIT {
  private Path base;
  private RealLaunches launches;
  private final List<Isolator> isolators = List.of(
      new SharedFilesystemIsolator(), new PidNamespaceIsolator(false));

  @BeforeEach
  void setUp() throws IOException {
    // Not under /tmp: a volume onto /tmp must not hide the sandbox.
    base = TestDirectories.notUnderTmp("it-work", "shared");
    launches = new RealLaunches(base);
  }

  private static ContainerInfo volumes(Volume... volumes) {
    return ContainerInfo.newBuilder().setType(ContainerInfo.Type.MESOS)
        .addAllVolumes(List.of(volumes)).build();
  }

  private static Volume volume(String hostPath, String containerPath, Volume.Mode mode) {
    return Volume.newBuilder().setHostPath(hostPath).setContainerPath(containerPath)
        .setMode(mode).build();
  }

  @Test
  void tmpIsPrivateStickyAndInvisibleToTheHostAndToOtherContainers() throws Exception {
    String marker = "corral-private-" + System.nanoTime();
    ContainerInfo privateTmp = volumes(volume("tmp", "/tmp", Volume.Mode.RW));
    RealLaunches.Result first = launches.run(isolators, privateTmp,
        "stat -c %a /tmp && touch /tmp/" + marker + " && ls -A /tmp");
    assertNull(first.failure(), () -> "launch: " + first.failure() + " " + first.stderr());
    assertEquals(0, first.exitCode(), first.stderr());
    assertEquals("1777\n" + marker + "\n", first.stdout());
    assertFalse(Files.exists(Path.of("/tmp", marker)), "the host's /tmp does not see it");
    assertTrue(Files.exists(first.sandbox().resolve("tmp").resolve(marker)), "kept in the sandbox");

    RealLaunches.Result second = launches.run(isolators, privateTmp, "ls -A /tmp");
    assertEquals(0, second.exitCode(), second.stderr());
    assertEquals("", second.stdout(), "another container's /tmp is empty");
  }

  @Test
  void aReadOnlyVolumeRefusesWritesWithErofsAndAReadWriteOneWritesThrough() throws Exception {
    Path data = Files.createDirectories(base.resolve("data"));
    Files.writeString(data.resolve("file"), "hello");
    Path ro = Files.createDirectories(base.resolve("mnt-ro"));
    Path rw = Files.createDirectories(base.resolve("mnt-rw"));
    RealLaunches.Result result = launches.run(isolators, volumes(
        volume(data.toString(), ro.toString(), Volume.Mode.RO),
        volume(data.toString(), rw.toString(), Volume.Mode.RW)),
        "cat " + ro + "/file; echo; touch " + ro + "/new; echo \"ro=$?\"; rm -f " + ro
            + "/file; echo \"rm=$?\"; echo w > " + rw + "/written; echo \"rw=$?\"");
    assertEquals(0, result.exitCode(), result.stderr());
    assertEquals("hello\nro=1\nrm=1\nrw=0\n", result.stdout());
    assertTrue(result.stderr().contains("Read-only file system"), result.stderr());
    assertFalse(Files.exists(data.resolve("new")));
    assertTrue(Files.exists(data.resolve("file")));
    assertEquals("w\n", Files.readString(data.resolve("written")));
    try (Stream<Path> mountPoints = Files.list(ro)) {
      assertEquals(0, mountPoints.count(), "nothing is mounted on the host");
    }
  }

  @Test
  void escapesAreRefusedBeforeAnythingIsCreated() throws Exception {
    Path target = Files.createDirectories(base.resolve("target"));
    for (String escape : List.of("../../etc", "a/../../../x")) {
      IsolatorException e = assertThrows(IsolatorException.class, () -> launches.run(isolators,
          volumes(volume(escape, target.toString(), Volume.Mode.RW)), "true"));
      assertTrue(e.getMessage().contains("must not contain '.' or '..'"), e.getMessage());
    }
    assertFalse(Files.exists(base.resolve("x")));
    assertFalse(Files.exists(base.resolve("containers").resolve("x")));
  }

  @Test
  void aDestroyedContainerLeavesNothingMountedAndMountedNothingOnTheHostWhileRunning()
      throws Exception {
    Path data = Files.createDirectories(base.resolve("data"));
    Path ro = Files.createDirectories(base.resolve("mnt-ro"));
    String before = HostTables.mountTable();
    List<String> whileRunning = new ArrayList<>();
    RealLaunches.Result result = launches.run(isolators, volumes(
        volume("tmp", "/tmp", Volume.Mode.RW),
        volume(data.toString(), ro.toString(), Volume.Mode.RO)),
        "touch /tmp/ready; exec sleep 1000", (launched, sandbox) -> {
          awaitFile(sandbox.resolve("tmp").resolve("ready"));
          whileRunning.add(HostTables.mountTable());
          launched.kill();
        });
    assertEquals(9, result.status(), "destroyed by SIGKILL");
    assertEquals(before, whileRunning.get(0), "the host saw none of the container's mounts");
    assertEquals(before, HostTables.mountTable());
  }

  @Test
  void fiftyContainersWithVolumesLeaveTheHostMountAndIpcTablesAsTheyWere() throws Exception {
    Path data = Files.createDirectories(base.resolve("data"));
    Path ro = Files.createDirectories(base.resolve("mnt-ro"));
    List<Isolator> all = List.of(new SharedFilesystemIsolator(),
        new IpcNamespaceIsolator(IpcNamespaceIsolator.DEFAULT_SHM_SIZE, false),
        new PidNamespaceIsolator(false));
    ContainerInfo info = volumes(volume("tmp", "/tmp", Volume.Mode.RW),
        volume(data.toString(), ro.toString(), Volume.Mode.RO));
    String mountsBefore = HostTables.mountTable();
    String ipcBefore = HostTables.ipcTables();
    for (int i = 0; i < 50; i++) {
      RealLaunches.Result result = launches.run(all, info,
          "ipcmk -Q >/dev/null && ipcmk -M 4096 >/dev/null && ipcmk -S 1 >/dev/null"
              + " && touch /tmp/x /dev/shm/x && grep -c . /proc/sysvipc/msg");
      assertEquals(0, result.exitCode(), result.stderr());
      assertEquals("2\n", result.stdout(), "the header and this container's queue only");
    }
    assertEquals(mountsBefore, HostTables.mountTable());
    assertEquals(ipcBefore, HostTables.ipcTables());
  }

  /** Waits up to 10 s for the container to create {@code file}, parking between looks. */
  private static void awaitFile(Path file) {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (!Files.exists(file)) {
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError("Timed out waiting for '" + file + "'");
      }
      LockSupport.parkNanos(Duration.ofMillis(10).toNanos());
    }
  }
}
