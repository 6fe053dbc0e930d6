package io.corral.isolators.namespaces;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.corral.isolators.Isolator;
import io.corral.isolators.RealLaunches;
import io.corral.proto.v1.ContainerInfo;
import io.corral.proto.v1.LinuxInfo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * namespaces/ipc in real containers (Mesos' {@code NamespacesIsolatorTest.ROOT_IPCNamespace*}):
 * SysV objects and {@code /dev/shm} files made inside are invisible outside and gone afterwards;
 * {@code /dev/shm} has the requested size; SHARE_PARENT is the agent's namespace.
 */
@Tag("root")
class IpcNamespaceIT {
  @TempDir Path dir;
  private RealLaunches launches;

  @BeforeEach
  void setUp() {
    launches = new RealLaunches(dir);
  }

  private static String ipcTables() throws IOException {
    return Files.readString(Path.of("/proc/sysvipc/msg")) + Files.readString(Path.of("/proc/sysvipc/sem"))
        + Files.readString(Path.of("/proc/sysvipc/shm"));
  }

  private static ContainerInfo linux(LinuxInfo.Builder linux) {
    return ContainerInfo.newBuilder().setType(ContainerInfo.Type.MESOS).setLinuxInfo(linux).build();
  }

  private List<Isolator> isolators(long defaultSize) {
    return List.of(new IpcNamespaceIsolator(defaultSize, false), new PidNamespaceIsolator(false));
  }

  @Test
  void ipcObjectsAndShmFilesAreIsolatedAndGoneAfterwards() throws Exception {
    String before = ipcTables();
    String marker = "corral-ipc-" + System.nanoTime();
    RealLaunches.Result result = launches.run(isolators(IpcNamespaceIsolator.DEFAULT_SHM_SIZE),
        null, "ipcmk -Q >/dev/null && ipcmk -M 4096 >/dev/null && ipcmk -S 2 >/dev/null"
            + " && touch /dev/shm/" + marker
            + " && cat /proc/sysvipc/msg /proc/sysvipc/sem /proc/sysvipc/shm | grep -vc key"
            + " && readlink /proc/self/ns/ipc && stat -f -c '%b %S' /dev/shm && ls /dev/shm");
    assertNull(result.failure(), () -> result.failure() + " " + result.stderr());
    assertEquals(0, result.exitCode(), result.stderr());
    List<String> lines = result.stdout().lines().toList();
    assertEquals("3", lines.get(0), "a queue, a segment and a semaphore set inside");
    assertNotEquals(Files.readSymbolicLink(Path.of("/proc/self/ns/ipc")).toString(), lines.get(1));
    String[] blocks = lines.get(2).split(" ");
    assertEquals(64L << 20, Long.parseLong(blocks[0]) * Long.parseLong(blocks[1]));
    assertEquals(marker, lines.get(3), "a fresh /dev/shm holds only this file");
    assertEquals(before, ipcTables(), "nothing of it in the host's IPC namespace");
    assertFalse(Files.exists(Path.of("/dev/shm", marker)), "nor in the host's /dev/shm");
  }

  @Test
  void shmSizeSetsTheSizeOfDevShm() throws Exception {
    RealLaunches.Result result = launches.run(isolators(1L << 30),
        linux(LinuxInfo.newBuilder().setIpcMode(LinuxInfo.IpcMode.PRIVATE).setShmSize(8)),
        "stat -f -c '%b %S' /dev/shm; head -c 9000000 /dev/zero > /dev/shm/big; echo \"rc=$?\"");
    String[] lines = result.stdout().split("\n");
    String[] blocks = lines[0].split(" ");
    assertEquals(8L << 20, Long.parseLong(blocks[0]) * Long.parseLong(blocks[1]));
    assertEquals("rc=1", lines[1], "9 MB do not fit: " + result.stderr());
  }

  @Test
  void shareParentUsesTheAgentsIpcNamespace() throws Exception {
    RealLaunches.Result result = launches.run(isolators(IpcNamespaceIsolator.DEFAULT_SHM_SIZE),
        linux(LinuxInfo.newBuilder().setIpcMode(LinuxInfo.IpcMode.SHARE_PARENT)),
        "readlink /proc/self/ns/ipc");
    assertEquals(0, result.exitCode(), result.stderr());
    assertEquals(Files.readSymbolicLink(Path.of("/proc/self/ns/ipc")) + "\n", result.stdout());
  }
}
