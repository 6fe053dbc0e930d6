package io.corral.ops.bench;

import io.corral.posix.Linux;
import io.corral.posix.Processes;
import io.corral.posix.launch.CorralInit;
import io.corral.posix.launch.LaunchedContainer;
import io.corral.posix.launch.PidNamespaceLauncher;
import io.corral.posix.launch.Stdio;
import io.corral.proto.v1.LaunchPlan;
import io.corral.proto.v1.Mount;
import io.corral.proto.v1.Namespace;
import java.io.IOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Where a launch's time goes below the actors: a process spawn alone, the JDK's
 * ({@code ProcessBuilder} of {@code /bin/true}, pipes as the launcher used to set them up) and
 * the launcher's own ({@code Processes.spawn} with the shared pidfd exit watcher), and
 * {@code PidNamespaceLauncher} alone with the plan {@code namespaces/pid} gives (new pid and
 * mount namespaces, {@code /proc} mounted), split into fork (spawn, plan, the init's pid),
 * release (go byte until exec) and exit (until the helper has exited and the status is read).
 * Single-threaded, on the caller's thread.
 */
final class LauncherPhases {
  private LauncherPhases() {}

  /**
   * @param planKind {@code pid} (what {@code namespaces/pid} asks for), {@code pid-cgroups}
   *     (that, an ipc namespace too, and the init joining a fresh freezer and memory cgroup, as
   *     in the embedded runs), {@code pid-noproc} (the namespaces without the /proc mount) or
   *     {@code plain} (no namespace, no mount)
   */
  static void run(Path runtimeDir, int n, int warmup, String planKind) throws Exception {
    Files.createDirectories(runtimeDir);
    long[] spawn = new long[n];
    for (int i = 0; i < warmup + n; i++) {
      long t0 = System.nanoTime();
      ProcessBuilder builder = new ProcessBuilder("/bin/true")
          .redirectInput(Redirect.PIPE).redirectOutput(Redirect.PIPE).redirectError(Redirect.DISCARD);
      builder.environment().clear();
      Process process = builder.start();
      process.getOutputStream().close();
      process.onExit().get(60, TimeUnit.SECONDS);
      if (i >= warmup) {
        spawn[i - warmup] = System.nanoTime() - t0;
      }
    }
    print("JDK ProcessBuilder spawn+exit /bin/true", spawn);

    Linux linux = Linux.nativeDefault();
    Processes processes = linux.processes();
    long[] direct = new long[n];
    for (int i = 0; i < warmup + n; i++) {
      long t0 = System.nanoTime();
      Processes.Spawned child = processes.spawn(Path.of("/bin/true"), null);
      processes.close(child.stdin());
      processes.onExit(child.pidfd()).get(60, TimeUnit.SECONDS);
      processes.reap(child.pid());
      processes.close(child.stdout());
      processes.close(child.pidfd());
      if (i >= warmup) {
        direct[i - warmup] = System.nanoTime() - t0;
      }
    }
    print("posix_spawn + pidfd watch spawn+exit /bin/true", direct);

    Path helper = CorralInit.install(runtimeDir.resolve("bin"));
    PidNamespaceLauncher launcher = new PidNamespaceLauncher(helper, linux.processes(), linux.proc());
    Path stderr = runtimeDir.resolve("stderr");
    Files.createFile(stderr);
    long cpu0 = ProcFigures.cpuMicros(ProcessHandle.current().pid());
    long[] fork = new long[n];
    long[] release = new long[n];
    long[] exit = new long[n];
    List<Path> cgroups = new ArrayList<>();
    for (int i = 0; i < warmup + n; i++) {
      Path status = runtimeDir.resolve("status-" + i);
      LaunchPlan.Builder plan = LaunchPlan.newBuilder().setVersion(1);
      if (!planKind.equals("plain")) {
        plan.addCloneNamespaces(Namespace.PID).addCloneNamespaces(Namespace.MOUNT);
      }
      if (planKind.equals("pid-cgroups")) { // the init joins a fresh freezer and memory cgroup
        plan.addCloneNamespaces(Namespace.IPC);
        for (String controller : List.of("freezer", "memory")) {
          Path cgroup = Path.of("/sys/fs/cgroup", controller, "corral-phases-" + ProcessHandle.current().pid(), "c" + i);
          Files.createDirectories(cgroup);
          cgroups.add(cgroup);
          plan.addJoinCgroups(cgroup.resolve("tasks").toString());
        }
      }
      if (planKind.startsWith("pid") && !planKind.equals("pid-noproc")) {
        plan.addMounts(Mount.newBuilder().setSource("proc").setTarget("/proc").setType("proc").setFlags(2 | 4 | 8));
      }
      plan.addEnvironment("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin")
          .addArgv("/bin/true")
          .setStatusPath(status.toString())
          .setStdoutPath("/dev/null");
      long t0 = System.nanoTime();
      LaunchedContainer container = launcher.fork("phases-" + i, plan.build(), new Stdio(null, null, stderr));
      long t1 = System.nanoTime();
      container.release();
      long t2 = System.nanoTime();
      int code = container.exited().get(60, TimeUnit.SECONDS);
      long t3 = System.nanoTime();
      if (code != 0) {
        throw new IllegalStateException("Failed to run /bin/true: status " + code);
      }
      Files.deleteIfExists(status);
      for (Path cgroup : cgroups) {
        Files.delete(cgroup);
      }
      cgroups.clear();
      if (i >= warmup) {
        fork[i - warmup] = t1 - t0;
        release[i - warmup] = t2 - t1;
        exit[i - warmup] = t3 - t2;
      }
    }
    for (String controller : List.of("freezer", "memory")) {
      Files.deleteIfExists(Path.of("/sys/fs/cgroup", controller, "corral-phases-" + ProcessHandle.current().pid()));
    }
    System.out.println("phase plan: " + planKind);
    print("launcher fork (spawn, plan, PID)", fork);
    print("launcher release (go byte to exec)", release);
    print("launcher exit (helper reaped)", exit);
    long[] total = new long[n];
    Arrays.setAll(total, i -> fork[i] + release[i] + exit[i]);
    print("launcher total", total);
    long cpu = (ProcFigures.cpuMicros(ProcessHandle.current().pid()) - cpu0) / (warmup + n);
    System.out.printf("phase %-40s %.2f ms%n", "launcher CPU per container (all processes)", cpu / 1e3);
  }

  private static void print(String what, long[] nanos) throws IOException {
    long[] sorted = nanos.clone();
    Arrays.sort(sorted);
    System.out.printf("phase %-40s n=%d median=%.2f ms p90=%.2f ms%n", what, sorted.length,
        sorted[sorted.length / 2] / 1e6, sorted[(int) Math.ceil(0.9 * sorted.length) - 1] / 1e6);
  }
}
