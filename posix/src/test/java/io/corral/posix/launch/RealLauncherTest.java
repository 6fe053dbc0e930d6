package io.corral.posix.launch;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.corral.posix.nativeimpl.NativeProcFs;
import io.corral.posix.nativeimpl.NativeProcesses;
import io.corral.proto.v1.LaunchPlan;
import io.corral.proto.v1.Mount;
import io.corral.proto.v1.Namespace;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the real-kernel launcher tests share: a launcher with corral-init installed in a temporary
 * directory, as root, and plans built the way the isolators build them.
 */
abstract class RealLauncherTest {
  static final long MS_NOSUID = 2;
  static final long MS_NODEV = 4;
  static final long MS_NOEXEC = 8;
  static NativeProcesses processes;

  @TempDir Path dir;
  final NativeProcFs proc = new NativeProcFs();
  PidNamespaceLauncher launcher;

  @BeforeAll
  static void requireRoot() {
    processes = NativeProcesses.create();
    assumeTrue(processes.geteuid() == 0, "needs root: clones namespaces and mounts /proc");
  }

  @BeforeEach
  void setUp() {
    launcher = new PidNamespaceLauncher(CorralInit.install(dir.resolve("bin")), processes, proc);
  }

  LaunchPlan.Builder plan(String... argv) {
    return LaunchPlan.newBuilder().setVersion(1).addEnvironment("PATH=/usr/bin:/bin")
        .addAllArgv(List.of(argv)).setStatusPath(dir.resolve("status").toString());
  }

  /** A pid and mount namespace with a private /proc, as namespaces/pid asks for. */
  LaunchPlan.Builder isolated(String... argv) {
    return plan(argv).addCloneNamespaces(Namespace.MOUNT).addCloneNamespaces(Namespace.PID)
        .addMounts(Mount.newBuilder().setSource("proc").setTarget("/proc").setType("proc")
            .setFlags(MS_NOSUID | MS_NODEV | MS_NOEXEC));
  }

  Stdio stdio() {
    return new Stdio(null, dir.resolve("stdout"), dir.resolve("stderr"));
  }

  LaunchedContainer start(LaunchPlan.Builder plan) {
    LaunchedContainer container = launcher.fork("c1", plan.build(), stdio());
    container.release();
    return container;
  }

  int run(LaunchPlan.Builder plan) throws Exception {
    return start(plan).exited().get(20, TimeUnit.SECONDS);
  }

  List<String> stdout() {
    try {
      return Files.exists(dir.resolve("stdout")) ? Files.readAllLines(dir.resolve("stdout")) : List.of();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static boolean alive(int pid) {
    return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
  }
}
