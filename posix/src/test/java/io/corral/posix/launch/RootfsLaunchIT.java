package io.corral.posix.launch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.corral.posix.nativeimpl.NativeProcFs;
import io.corral.posix.nativeimpl.NativeProcesses;
import io.corral.proto.v1.LaunchPlan;
import io.corral.proto.v1.Mount;
import io.corral.proto.v1.Namespace;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * corral-init with a rootfs, as root: the plan's mounts go into a busybox directory, the init
 * pivots into it, and the command sees that directory as {@code /} and nothing of the host.
 */
@Tag("root")
class RootfsLaunchIT {
  private static final long MS_BIND = 4096;
  private static final long MS_REC = 16384;
  private static NativeProcesses processes;

  @TempDir Path dir;
  private PidNamespaceLauncher launcher;
  private Path rootfs;

  @BeforeAll
  static void requireRoot() {
    processes = NativeProcesses.create();
    assumeTrue(processes.geteuid() == 0, "needs root: mount namespaces, bind mounts and pivot_root");
    assumeTrue(Files.isExecutable(Path.of("/bin/busybox")), "needs /bin/busybox (busybox-static)");
  }

  @BeforeEach
  void setUp() throws IOException {
    launcher = new PidNamespaceLauncher(CorralInit.install(dir.resolve("bin")), processes, new NativeProcFs());
    rootfs = busybox(dir.resolve("rootfs"));
  }

  /** A root filesystem of busybox and its applet links in {@code bin}, plus empty proc and tmp. */
  static Path busybox(Path root) throws IOException {
    Path bin = Files.createDirectories(root.resolve("bin"));
    Files.copy(Path.of("/bin/busybox"), bin.resolve("busybox"));
    for (String applet : List.of("sh", "ls", "cat", "echo", "mount", "touch", "wc")) {
      Files.createSymbolicLink(bin.resolve(applet), Path.of("busybox"));
    }
    Files.createDirectories(root.resolve("proc"));
    Files.createDirectories(root.resolve("tmp"));
    return root;
  }

  private LaunchPlan.Builder plan(String script) {
    return LaunchPlan.newBuilder().setVersion(1).addEnvironment("PATH=/bin")
        .addCloneNamespaces(Namespace.MOUNT).addCloneNamespaces(Namespace.PID)
        .addMounts(Mount.newBuilder().setSource(rootfs.toString()).setTarget(rootfs.toString())
            .setFlags(MS_BIND | MS_REC))
        .addMounts(Mount.newBuilder().setSource("proc").setTarget(rootfs + "/proc").setType("proc"))
        .addArgv("sh").addArgv("-c").addArgv(script)
        .setStatusPath(dir.resolve("status").toString()).setStdoutPath(dir.resolve("stdout").toString())
        .setRootfs(rootfs.toString());
  }

  private int run(LaunchPlan.Builder plan) throws Exception {
    LaunchedContainer container = launcher.fork("c1", plan.build(),
        new Stdio(null, dir.resolve("stdout"), dir.resolve("stderr")));
    container.release();
    return container.exited().get(20, TimeUnit.SECONDS);
  }

  @Test
  void theCommandSeesOnlyTheRootfs() throws Exception {
    Path data = Files.createDirectories(dir.resolve("data"));
    Files.writeString(data.resolve("in"), "from the host\n");
    LaunchPlan.Builder plan = plan("ls /; cat /data/in; cat /proc/1/comm; echo $$; "
        + "ls '" + dir + "' 2>/dev/null || echo no-host-dir; cat /proc/self/mountinfo | wc -l; "
        + "echo out > /data/out; pwd")
        .addMounts(Mount.newBuilder().setSource(data.toString()).setTarget(rootfs + "/data")
            .setFlags(MS_BIND).setCreateTarget(true))
        .setWorkingDirectory("/tmp");
    Files.createDirectories(rootfs.resolve("dev"));
    Files.createFile(rootfs.resolve("dev/null"));
    plan.addMounts(Mount.newBuilder().setSource("/dev/null").setTarget(rootfs + "/dev/null").setFlags(MS_BIND));
    assertEquals(0, run(plan), Files.readString(dir.resolve("stderr")));

    List<String> out = Files.readAllLines(dir.resolve("stdout"));
    assertEquals(List.of("bin", "data", "dev", "proc", "tmp", "from the host", "corral-init", "2", "no-host-dir",
        "4", "/tmp"), out, Files.readString(dir.resolve("stderr")));
    assertEquals("out\n", Files.readString(data.resolve("out")), "a write through the bind lands on the host");
  }

  @Test
  void aRootfsThatIsNoMountPointIsAFailureNamed() {
    LaunchPlan.Builder plan = plan("true").removeMounts(0);
    LaunchException e = assertThrows(LaunchException.class, () -> run(plan));
    assertEquals("rootfs", e.step());
    assertTrue(e.getMessage().contains("pivot_root '" + rootfs + "'"), e.getMessage());
  }
}
