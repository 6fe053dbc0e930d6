package io.corral.ops.bench;

import io.corral.isolators.ContainerContext;
import io.corral.isolators.disk.DuConfig;
import io.corral.isolators.disk.DuDiskIsolator;
import io.corral.posix.Linux;
import io.corral.posix.du.ProcessDu;
import io.corral.proto.v1.CommandInfo;
import io.corral.proto.v1.ContainerID;
import io.corral.proto.v1.Resource;
import io.corral.proto.v1.Value;
import io.corral.proto.v1.agent.Call;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The Java side of {@code ops/bench/du.sh}: what {@code disk/du} costs and how fast it catches a
 * writer past its quota.
 *
 * <p>Not a test: Maven compiles it with the test sources but neither surefire nor failsafe runs
 * it. Run it as {@code java -cp ops/target/corral.jar:ops/target/test-classes
 * io.corral.ops.bench.DuBench MODE --key=value...}. Modes:
 * <ul>
 *   <li>{@code pass --dir=D --files=10000,100000 --n=N --warmup=W}: builds under {@code D} one
 *       sandbox-like tree per file count (100 empty files per directory, 100 directories per
 *       parent: file count, not bytes, drives {@code du}'s cost) and times, interleaved in
 *       rotating order, N measured passes of each of: {@code plain} ({@code du -k -s TREE} at
 *       normal priority), {@code lowprio} (the product's {@link ProcessDu}: {@code du -k -s -x}
 *       at nice 19 and idle I/O class) and {@code sample} (the product's whole watch pass for one
 *       container, {@link DuDiskIsolator#sample}: real path, mountinfo read before and after,
 *       {@code ProcessDu}). Prints median, p90 and the reaped children's CPU per pass, then per
 *       tree {@code lowprio/plain} and {@code sample/plain} median ratios.</li>
 *   <li>{@code delay --url=U --work_dir=W --n=N --interval_ms=I}: against a running agent with
 *       {@code disk/du}, {@code --enforce_container_disk_quota} and the given watch interval,
 *       N times: launch a container with a 1MB disk resource that waits for a file {@code go},
 *       records the time, writes 2MB and sleeps; create {@code go} after a random delay (so the
 *       write falls anywhere in the watch cycle), WAIT, and report the time from the write's
 *       start to WAIT's answer (TASK_FAILED, {@code REASON_CONTAINER_LIMITATION_DISK}).</li>
 * </ul>
 * Runs on its main thread only (the product's {@code ProcessDu} has its own two threads).
 */
public final class DuBench {
  private DuBench() {}

  public static void main(String[] args) throws Exception {
    if (args.length == 0) {
      System.err.println("usage: DuBench pass|delay --key=value...");
      System.exit(2);
    }
    Map<String, String> opts = new HashMap<>();
    for (String arg : List.of(args).subList(1, args.length)) {
      int eq = arg.indexOf('=');
      opts.put(arg.substring(2, eq), arg.substring(eq + 1));
    }
    switch (args[0]) {
      case "pass" -> pass(Path.of(opts.get("dir")), opts.getOrDefault("files", "10000,100000"),
          Integer.parseInt(opts.getOrDefault("n", "15")), Integer.parseInt(opts.getOrDefault("warmup", "3")));
      case "delay" -> delay(URI.create(opts.get("url")), Path.of(opts.get("work_dir")),
          Integer.parseInt(opts.getOrDefault("n", "20")), Integer.parseInt(opts.getOrDefault("interval_ms", "500")));
      default -> {
        System.err.println("DuBench: unknown mode '" + args[0] + "'");
        System.exit(2);
      }
    }
  }

  // ------------------------------------------------------------------ pass

  private static void pass(Path dir, String counts, int n, int warmup) throws Exception {
    Linux linux = Linux.nativeDefault();
    ProcessDu du = new ProcessDu("du", linux.processes());
    DuConfig config = new DuConfig(Duration.ofSeconds(15), false, 1, Duration.ofMinutes(10), "du");
    DuDiskIsolator isolator = new DuDiskIsolator(config, du);
    List<String> ratios = new ArrayList<>();
    for (String count : counts.split(",")) {
      int files = Integer.parseInt(count.strip());
      Path tree = tree(dir, files);
      ContainerContext container = context("bench-" + files, tree);
      isolator.isolate(container, 1);
      String[] variants = {"plain", "lowprio", "sample"};
      Map<String, List<Long>> wall = new HashMap<>();
      Map<String, Long> cpu = new HashMap<>();
      for (String v : variants) {
        wall.put(v, new ArrayList<>());
        cpu.put(v, 0L);
      }
      long kib = -1;
      for (int round = 0; round < warmup + n; round++) {
        for (int k = 0; k < variants.length; k++) {
          String v = variants[(round + k) % variants.length];
          long cpuBefore = childrenCpuTicks();
          long start = System.nanoTime();
          long used = switch (v) {
            case "plain" -> plainDu(tree);
            case "lowprio" -> du.start(tree.toRealPath(), List.of()).await(Duration.ofMinutes(10));
            default -> isolator.sample(container.name()).usedBytes().orElseThrow() / 1024;
          };
          long elapsed = System.nanoTime() - start;
          long ticks = childrenCpuTicks() - cpuBefore;
          if (round >= warmup) {
            wall.get(v).add(elapsed);
            cpu.merge(v, ticks, Long::sum);
          }
          kib = used;
        }
      }
      isolator.cleanup(container);
      System.out.printf("tree of %d files (%d KiB as du counts it), %d passes each after %d warm-up:%n",
          files, kib, n, warmup);
      System.out.printf("  %-46s %10s %10s %14s%n", "variant", "median ms", "p90 ms", "du CPU ms/pass");
      String[] labels = {"plain du -k -s (normal priority)", "ProcessDu du -k -s -x, nice 19 + idle I/O",
          "DuDiskIsolator.sample (the watch pass)"};
      for (int k = 0; k < variants.length; k++) {
        List<Long> w = wall.get(variants[k]);
        System.out.printf("  %-46s %10.2f %10.2f %14.2f%n", labels[k], pct(w, 50) / 1e6, pct(w, 90) / 1e6,
            cpu.get(variants[k]) * (1000.0 / 100) / n);
      }
      double plain = pct(wall.get("plain"), 50);
      ratios.add(String.format("du watch pass (DuDiskIsolator.sample) / plain du median ratio, %d files: %.2f",
          files, pct(wall.get("sample"), 50) / plain));
      ratios.add(String.format("low-priority du (ProcessDu) / plain du median ratio, %d files: %.2f",
          files, pct(wall.get("lowprio"), 50) / plain));
    }
    ratios.forEach(System.out::println);
  }

  /** A tree of {@code files} empty files, 100 per directory, 100 directories per parent. */
  private static Path tree(Path dir, int files) throws IOException {
    Path root = dir.resolve("sandbox-" + files);
    if (Files.isDirectory(root) && Files.exists(root.resolve("complete"))) {
      return root;
    }
    Files.createDirectories(root);
    for (int i = 0; i < files; i++) {
      Path leaf = root.resolve(String.format("d%03d/e%03d", i / 10_000, (i / 100) % 100));
      if (i % 100 == 0) {
        Files.createDirectories(leaf);
      }
      Files.createFile(leaf.resolve("f" + (i % 100)));
    }
    Files.createFile(root.resolve("complete"));
    return root;
  }

  private static long plainDu(Path tree) throws IOException, InterruptedException {
    Process p = new ProcessBuilder("du", "-k", "-s", tree.toString()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    if (p.waitFor() != 0) {
      throw new IOException("du failed: " + out);
    }
    return Long.parseLong(out.split("\\s+")[0]);
  }

  /** cutime + cstime of this JVM (fields 16 and 17 of /proc/self/stat): its reaped children's CPU. */
  private static long childrenCpuTicks() throws IOException {
    String stat = Files.readString(Path.of("/proc/self/stat"));
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    return Long.parseLong(f[13]) + Long.parseLong(f[14]);
  }

  private static ContainerContext context(String id, Path sandbox) {
    ContainerID cid = ContainerID.newBuilder().setValue(id).build();
    return new ContainerContext(cid, Call.LaunchContainer.newBuilder().setContainerId(cid)
        .setCommand(CommandInfo.newBuilder().setValue("true"))
        .addResources(Resource.newBuilder().setName("disk").setType(Value.Type.SCALAR)
            .setScalar(Value.Scalar.newBuilder().setValue(1 << 20)))
        .build(), sandbox, sandbox.resolveSibling(id + ".run"));
  }

  // ------------------------------------------------------------------ delay

  private static void delay(URI url, Path workDir, int n, int intervalMs) throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    // A root agent authenticates /api/v1 with the credentials it generated in its work_dir.
    authorization = io.corral.http.security.Credentials.read(workDir.resolve("credentials")
        .toString()).basicAuthorization(java.util.Optional.empty());
    List<Long> delays = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      String id = "du-delay-" + i + "-" + ProcessHandle.current().pid();
      String command = "while [ ! -e go ]; do sleep 0.005; done; date +%s%N > started;"
          + " dd if=/dev/zero of=big bs=1M count=2 2>/dev/null; exec sleep 1000";
      call(http, url, 200, "{\"type\":\"LAUNCH_CONTAINER\",\"launch_container\":{\"container_id\":{\"value\":\""
          + id + "\"},\"command\":{\"value\":\"" + command + "\"},\"resources\":[{\"name\":\"disk\","
          + "\"type\":\"SCALAR\",\"scalar\":{\"value\":1}}]}}");
      Path sandbox = workDir.resolve("containers").resolve(id);
      Thread.sleep(ThreadLocalRandom.current().nextInt(intervalMs));
      Files.createFile(sandbox.resolve("go"));
      String waited = call(http, url, 200, idCall("WAIT_CONTAINER", id));
      Instant answered = Instant.now();
      long started = Long.parseLong(Files.readString(sandbox.resolve("started")).strip());
      if (!waited.contains("REASON_CONTAINER_LIMITATION_DISK")) {
        throw new IllegalStateException("Container '" + id + "' ended for another reason: " + waited);
      }
      long nanos = answered.getEpochSecond() * 1_000_000_000L + answered.getNano() - started;
      delays.add(nanos);
      call(http, url, 200, idCall("REMOVE_CONTAINER", id));
      System.out.printf("  %s: %.1f ms%n", id, nanos / 1e6);
    }
    System.out.printf("detection delay, write past the quota to WAIT answered (TASK_FAILED, disk), "
        + "interval %d ms, %d containers: median %.1f ms, p90 %.1f ms, max %.1f ms%n",
        intervalMs, n, pct(delays, 50) / 1e6, pct(delays, 90) / 1e6, pct(delays, 100) / 1e6);
    System.out.printf("detection delay / watch interval median ratio: %.2f (max %.2f)%n",
        pct(delays, 50) / 1e6 / intervalMs, pct(delays, 100) / 1e6 / intervalMs);
  }

  private static String idCall(String type, String id) {
    return "{\"type\":\"" + type + "\",\"" + type.toLowerCase() + "\":{\"container_id\":{\"value\":\"" + id + "\"}}}";
  }

  /** The {@code Authorization} header of the agent's credentials, set by {@link #delay}. */
  private static String authorization;

  private static String call(HttpClient http, URI url, int expected, String json) throws Exception {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(url.resolve("/api/v1"))
        .header("Authorization", authorization)
        .header("Content-Type", "application/json").header("Accept", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != expected) {
      throw new IllegalStateException(json + " answered " + r.statusCode() + ": " + r.body());
    }
    return r.body();
  }

  /** The p-th percentile (nearest rank) of {@code values}. */
  private static double pct(List<Long> values, int p) {
    List<Long> sorted = new ArrayList<>(values);
    sorted.sort(null);
    int rank = (int) Math.ceil(p / 100.0 * sorted.size());
    return sorted.get(Math.max(0, Math.min(sorted.size() - 1, rank - 1)));
  }
}
