package io.corral.ops.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

/**
 * The Java side of {@code ops/bench/launch.sh}: times launch-wait-remove of {@code /bin/true}
 * through Corral, embedded ({@link EmbeddedTarget}: a {@code Containerizer} in this JVM's own
 * {@code ActorSystem}) or over HTTP ({@link HttpTarget}: a running {@code corral agent}), and
 * measures the memory an idle container costs the JVM that hosts the containerizer.
 *
 * <p>Not a test: Maven compiles it with the test sources (so it keeps compiling against the
 * API) but neither surefire nor failsafe runs it. Run it as
 * {@code java -cp ops/target/corral.jar:ops/target/test-classes io.corral.ops.bench.LaunchBench
 * MODE --key=value...}, as the script does. Modes:
 * <ul>
 *   <li>{@code isolation}: prints the {@code --isolation} value to compare with crun.</li>
 *   <li>{@code latency --target=embedded|http --n=N --warmup=W --workers=K[,K2..]
 *       --out=PREFIX --label=L [--network=CNI_NETWORK]}: for each K in turn, K threads each run at least W discarded
 *       iterations, then more in batches of 100 until the target JVM is warm (its JIT compiler
 *       threads busy less than 5% of a batch's wall time, at most 10 W in all), then ceil(N/K)
 *       measured iterations back to back; writes one wall time in microseconds per measured
 *       iteration to {@code PREFIX.wK.us}, the CPU microseconds per measured container (of this
 *       JVM or of {@code --pid}, and their reaped children) to {@code PREFIX.wK.cpu}, and prints
 *       the warm-up it took and {@code L-wK measured=.. failures=.. wall_ms=..}; then, unless
 *       {@code --threads=false}, the CPU time by thread of that JVM.</li>
 *   <li>{@code phases --runtime_dir=DIR --n=N --warmup=W [--plan=pid|pid-cgroups|pid-noproc|plain]}: the launcher alone, phase by
 *       phase (see {@link LauncherPhases}).</li>
 *   <li>{@code memory --target=embedded|http --count=C [--pid=P]}: RSS (of P, or of this JVM)
 *       and, embedded, heap used after {@code System.gc()}, before and after C idle
 *       {@code sleep 3600} containers; then kills and removes them all.</li>
 * </ul>
 * Embedded options: {@code --work_dir}, {@code --runtime_dir}, {@code --isolation}; HTTP:
 * {@code --url}, {@code --http_credentials}, {@code --image} (a Docker image each container runs
 * from). Runs on its main thread and, for concurrency, a fixed pool of worker threads.
 */
public final class LaunchBench {
  private LaunchBench() {}

  /** What the benchmark drives: the four container calls, each blocking until answered. */
  interface Target extends AutoCloseable {
    /** Launches {@code argv} (no shell) and returns once the container is RUNNING. */
    void launch(String id, List<String> argv);

    /** Waits for the container to terminate and returns its raw wait status. */
    int await(String id);

    void kill(String id, int signal);

    void remove(String id);

    /** The isolation the containerizer uses, as far as the target knows it. */
    String describe();

    @Override
    void close();
  }

  public static void main(String[] args) throws Exception {
    if (args.length == 0) {
      System.err.println("usage: LaunchBench latency|memory --key=value...");
      System.exit(2);
    }
    if (args[0].equals("isolation")) {
      System.out.println(isolation());
      return;
    }
    Map<String, String> opts = options(args);
    if (args[0].equals("phases")) {
      LauncherPhases.run(Path.of(required(opts, "runtime_dir")),
          Integer.parseInt(required(opts, "n")), Integer.parseInt(opts.getOrDefault("warmup", "20")),
          opts.getOrDefault("plan", "pid"));
      System.exit(0);
    }
    try (Target target = target(opts)) {
      System.out.println("target: " + target.describe());
      switch (args[0]) {
        case "latency" -> latency(target, opts);
        case "memory" -> memory(target, opts);
        default -> throw new IllegalArgumentException("Unknown mode '" + args[0] + "'");
      }
    }
    System.exit(0);
  }

  /** The isolation to compare with crun's pid/mount/ipc namespaces and memory limit. */
  static String isolation() {
    return "filesystem/posix,posix/cpu,posix/mem,namespaces/pid,namespaces/ipc,cgroups/mem";
  }

  private static Map<String, String> options(String[] args) {
    Map<String, String> opts = new HashMap<>();
    for (int i = 1; i < args.length; i++) {
      String arg = args[i];
      int eq = arg.indexOf('=');
      if (!arg.startsWith("--") || eq < 0) {
        throw new IllegalArgumentException("Expected --key=value, got '" + arg + "'");
      }
      opts.put(arg.substring(2, eq), arg.substring(eq + 1));
    }
    return opts;
  }

  private static String required(Map<String, String> opts, String key) {
    String value = opts.get(key);
    if (value == null) {
      throw new IllegalArgumentException("Missing --" + key);
    }
    return value;
  }

  private static Target target(Map<String, String> opts) {
    return switch (required(opts, "target")) {
      case "embedded" -> new EmbeddedTarget(
          Path.of(required(opts, "work_dir")),
          Path.of(required(opts, "runtime_dir")),
          required(opts, "isolation"));
      case "http" -> new HttpTarget(required(opts, "url"), opts.get("http_credentials"), opts.get("image"),
          opts.get("network"));
      default -> throw new IllegalArgumentException("Unknown target '" + opts.get("target") + "'");
    };
  }

  // ---- latency -------------------------------------------------------------------------------

  private static void latency(Target target, Map<String, String> opts) throws Exception {
    int n = Integer.parseInt(required(opts, "n"));
    int warmup = Integer.parseInt(opts.getOrDefault("warmup", "20"));
    String label = opts.getOrDefault("label", "run");
    String out = required(opts, "out");
    long cpuPid = Long.parseLong(opts.getOrDefault("pid", Long.toString(ProcessHandle.current().pid())));
    for (String workers : opts.getOrDefault("workers", "1").split(",")) {
      int k = Integer.parseInt(workers);
      latency(target, n, warmup, k, label + "-w" + k, Path.of(out + ".w" + k + ".us"), cpuPid);
    }
    if (Boolean.parseBoolean(opts.getOrDefault("threads", "true"))) {
      ProcFigures.printThreadCpu(cpuPid);
    }
  }

  /** Warm-up goes on in batches of this many launches per worker... */
  private static final int WARM_BATCH = 100;
  /** ...until the JIT compiler threads were busy less than this share of a batch's wall time... */
  private static final double JIT_SETTLED = 0.05;
  /** ...or this many times the minimum warm-up has run. */
  private static final int WARM_MAX_FACTOR = 10;

  private static void latency(
      Target target, int n, int warmup, int workers, String label, Path out, long cpuPid)
      throws Exception {
    int perWorker = (n + workers - 1) / workers;
    AtomicInteger failures = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(workers);
    // Warm until the JVM is warm: at least `warmup` launches per worker, then batches until the
    // target's JIT compilers (this JVM's, or the agent's with --pid) have nearly gone quiet.
    int warmed = 0;
    double jitShare = 1;
    for (int batch = warmup; batch > 0 && warmed < warmup * WARM_MAX_FACTOR; batch = WARM_BATCH) {
      long jit0 = ProcFigures.jitCpuMicros(cpuPid);
      long t0 = System.nanoTime();
      run(pool, target, workers, batch, label + "-warm" + warmed + "-", null, failures);
      jitShare = (ProcFigures.jitCpuMicros(cpuPid) - jit0) / ((System.nanoTime() - t0) / 1e3);
      warmed += batch;
      if (warmed >= warmup && jitShare < JIT_SETTLED) {
        break;
      }
    }
    int warmFailures = failures.getAndSet(0);
    System.out.printf("%s warm-up: %d launches per worker (%d failed), JIT busy %.1f%% of the last batch%n",
        label, warmed, warmFailures, jitShare * 100);
    long[][][] split = new long[workers][3][perWorker];
    long start = System.nanoTime();
    long cpu0 = ProcFigures.cpuMicros(cpuPid);
    List<long[]> results = run(pool, target, workers, perWorker, label + "-", split, failures);
    long cpuPerContainer = (ProcFigures.cpuMicros(cpuPid) - cpu0) / ((long) workers * perWorker);
    long wallMs = (System.nanoTime() - start) / 1_000_000;
    List<String> lines = new ArrayList<>();
    for (long[] result : results) {
      for (long micros : result) {
        lines.add(Long.toString(micros));
      }
    }
    String[] calls = {"launch", "wait", "remove"};
    StringBuilder medians = new StringBuilder(label + " median ms per call:");
    for (int c = 0; c < 3; c++) {
      long[] all = new long[workers * perWorker];
      for (int w = 0; w < workers; w++) {
        System.arraycopy(split[w][c], 0, all, w * perWorker, perWorker);
      }
      java.util.Arrays.sort(all);
      medians.append(String.format(" %s=%.2f", calls[c], all[all.length / 2] / 1e6));
    }
    pool.shutdown();
    Files.write(out, lines);
    Files.writeString(Path.of(out.toString().replaceFirst("\\.us$", ".cpu")), cpuPerContainer + "\n");
    System.out.println(label + " measured=" + lines.size() + " failures=" + failures.get()
        + " wall_ms=" + wallMs + " cpu_us_per_container=" + cpuPerContainer);
    System.out.println(medians);
  }

  /**
   * {@code workers} threads each run {@code count} launch-wait-removes back to back; returns each
   * worker's wall microseconds per container, and fills {@code split} when given.
   */
  private static List<long[]> run(ExecutorService pool, Target target, int workers, int count,
      String prefix, long[][][] split, AtomicInteger failures) throws Exception {
    List<Future<long[]>> futures = new ArrayList<>();
    for (int w0 = 0; w0 < workers; w0++) {
      int w = w0;
      futures.add(pool.submit(() -> {
        long[] micros = new long[count];
        for (int i = 0; i < count; i++) {
          long t0 = System.nanoTime();
          int status = launchWaitRemove(target, prefix + w + "-" + i, split == null ? null : split[w], i);
          micros[i] = (System.nanoTime() - t0) / 1_000;
          if (status != 0) {
            failures.incrementAndGet();
          }
        }
        return micros;
      }));
    }
    List<long[]> results = new ArrayList<>();
    for (Future<long[]> future : futures) {
      results.add(future.get());
    }
    return results;
  }

  private static int launchWaitRemove(Target target, String id) {
    return launchWaitRemove(target, id, null, 0);
  }

  /**
   * One container: launch, wait, remove; the wait status, or -1 when a call failed. When
   * {@code split} is given, the nanoseconds of each call go to {@code split[call][index]}.
   */
  private static int launchWaitRemove(Target target, String id, long[][] split, int index) {
    try {
      long t0 = System.nanoTime();
      target.launch(id, List.of("/bin/true"));
      long t1 = System.nanoTime();
      int status = target.await(id);
      long t2 = System.nanoTime();
      target.remove(id);
      long t3 = System.nanoTime();
      if (split != null) {
        split[0][index] = t1 - t0;
        split[1][index] = t2 - t1;
        split[2][index] = t3 - t2;
      }
      return status;
    } catch (RuntimeException e) {
      System.err.println("bench: container '" + id + "': " + e.getMessage());
      return -1;
    }
  }

  // ---- memory per idle container -------------------------------------------------------------

  private static void memory(Target target, Map<String, String> opts) throws Exception {
    int count = Integer.parseInt(required(opts, "count"));
    long pid = Long.parseLong(opts.getOrDefault("pid", Long.toString(ProcessHandle.current().pid())));
    boolean self = pid == ProcessHandle.current().pid();
    String prefix = "idle-" + ProcessHandle.current().pid() + "-";
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      ids.add(prefix + i);
    }
    // Warm the code paths first, so that class loading and JIT do not count as per-container.
    for (int i = 0; i < 20; i++) {
      launchWaitRemove(target, prefix + "warm-" + i);
    }
    long[] before = ProcFigures.snapshot(pid, self);
    long t0 = System.nanoTime();
    int launched = inParallel(ids, id -> target.launch(id, List.of("/bin/sleep", "3600")));
    long launchMs = (System.nanoTime() - t0) / 1_000_000;
    long[] loaded = ProcFigures.snapshot(pid, self);
    System.out.printf("memory: %d of %d idle containers launched in %d ms%n", launched, count, launchMs);
    int killed = inParallel(ids, id -> {
      target.kill(id, 9);
      target.await(id);
      target.remove(id);
    });
    long[] after = ProcFigures.snapshot(pid, self);
    ProcFigures.print("before", before, self);
    ProcFigures.print("with " + launched + " idle", loaded, self);
    ProcFigures.print("after kill+remove", after, self);
    if (launched > 0) {
      System.out.printf("memory: RSS per idle container: %d bytes%n", (loaded[0] - before[0]) / launched);
      if (self) {
        System.out.printf("memory: heap per idle container: %d bytes%n", (loaded[1] - before[1]) / launched);
      }
    }
    System.out.printf("memory: killed and removed %d of %d%n", killed, launched);
  }

  /** Something done to one container by id; may throw. */
  interface IdAction {
    void run(String id);
  }

  /** Runs {@code action} for every id on 8 threads; the number that succeeded. */
  private static int inParallel(List<String> ids, IdAction action) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(8);
    AtomicInteger ok = new AtomicInteger();
    List<Future<?>> futures = ids.stream().map(id -> pool.submit(() -> {
      try {
        action.run(id);
        ok.incrementAndGet();
      } catch (RuntimeException e) {
        System.err.println("bench: container '" + id + "': " + e.getMessage());
      }
    })).collect(Collectors.toList());
    for (Future<?> future : futures) {
      future.get();
    }
    pool.shutdown();
    return ok.get();
  }
}
