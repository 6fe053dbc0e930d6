package io.corral.it.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real {@code corral agent}, started from the shaded jar as a child process of the test JVM
 * with its own free port and fresh {@code --work_dir} and {@code --runtime_dir} under one temp
 * directory. Its stdout and stderr go to {@code agent.log} there, quoted in failure messages by
 * {@link #logTail()}. {@link #close()} stops it, SIGKILLs whatever of its process tree is left and
 * deletes the directories, so a failing test does not leave containers behind for the next one.
 * Owned and used by one test class, from the test thread.
 */
public final class AgentProcess implements AutoCloseable {
  /** The full isolation of the ITs, as {@code corral agent} takes them. */
  public static final String FULL_ISOLATION =
      "--isolation=filesystem/posix,posix/cpu,posix/mem,namespaces/pid";

  /** The name of a variable set in every agent's environment and in no container's. */
  public static final String AGENT_ENV_MARKER = "CORRAL_IT_AGENT_ONLY";

  private static final Duration START_TIMEOUT = Patience.of(Duration.ofSeconds(90));

  private final Path root;
  private final Path workDir;
  private final Path runtimeDir;
  private final Path log;
  private final int port;
  private final Process process;
  private final AgentClient client;
  /** Killed or stopped on purpose: its directories belong to the agent that restarts on them. */
  private boolean gone;
  private final String cgroupsRoot;
  private final Path credentials;

  private AgentProcess(Path root, int port, Process process, String cgroupsRoot,
      Path credentials) {
    this.cgroupsRoot = cgroupsRoot;
    this.credentials = credentials != null ? credentials : root.resolve("work").resolve("credentials");
    this.root = root;
    this.workDir = root.resolve("work");
    this.runtimeDir = root.resolve("runtime");
    this.log = root.resolve("agent.log");
    this.port = port;
    this.process = process;
    this.client = new AgentClient(URI.create("http://127.0.0.1:" + port), this.credentials);
  }

  /**
   * The credentials file its {@link #client()} authenticates with: {@code --http_credentials}
   * when given, else the one the agent generated as root ({@code <work_dir>/credentials}), so
   * the ITs exercise the secure default.
   */
  public Path credentials() {
    return credentials;
  }

  /** The runnable jar built by {@code ops} ({@code -Dcorral.jar}, set by the it pom). */
  public static Path corralJar() {
    String jar = System.getProperty("corral.jar", "../ops/target/corral.jar");
    Path path = Path.of(jar).toAbsolutePath().normalize();
    if (!Files.isRegularFile(path)) {
      throw new IllegalStateException("Failed to find the corral jar: '" + path + "' does not exist");
    }
    return path;
  }

  /** The command line that runs {@code corral <args>} with the test JVM's own java. */
  public static List<String> corralCommand(String... args) {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("--enable-native-access=ALL-UNNAMED");
    cmd.add("-jar");
    cmd.add(corralJar().toString());
    cmd.addAll(List.of(args));
    return cmd;
  }

  /**
   * Starts an agent with {@code extraFlags} (for example {@code --isolation=...}) and returns
   * once {@code GET /health} answers 200.
   */
  public static AgentProcess start(String... extraFlags) {
    return start(Map.of(), extraFlags);
  }

  /**
   * Starts an agent as {@link #start(String...)} does, with {@code environment} added to (or
   * replacing in) its environment: a {@code PATH} with stub tools first, for fault injection.
   */
  public static AgentProcess start(Map<String, String> environment, String... extraFlags) {
    try {
      return launch(Files.createTempDirectory("corral-it-"), environment, true, extraFlags);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * A new agent on this one's {@code --work_dir} and {@code --runtime_dir} (and another port),
   * as after a restart: call it once this one is gone ({@link #sigkill} or {@link #stop}). Its
   * output is appended to the same log, and its {@link #close()} deletes the directories.
   */
  public AgentProcess restart(String... extraFlags) {
    if (process.isAlive()) {
      throw new IllegalStateException("Failed to restart the agent: it is still running");
    }
    return launch(root, Map.of(), true, extraFlags);
  }

  /**
   * A new agent on this one's directories, as {@link #restart} starts it, returned as soon as
   * {@code GET /health} answers: its API may still answer 503 while it recovers. Call
   * {@link #awaitRecovered()} to wait for the end of its recovery.
   */
  public AgentProcess restartRecovering(String... extraFlags) {
    if (process.isAlive()) {
      throw new IllegalStateException("Failed to restart the agent: it is still running");
    }
    return launch(root, Map.of(), false, extraFlags);
  }

  /** Waits until the agent API answers {@code GET_HEALTH} with 200: its recovery has finished. */
  public void awaitRecovered() {
    // The API answers 503 until the agent has recovered what an earlier run left.
    Eventually.await(START_TIMEOUT,
        () -> client.postJson("{\"type\":\"GET_HEALTH\"}").statusCode() == 200,
        () -> "the agent API to be ready\n" + logTail());
  }

  /** SIGKILLs the agent JVM alone, as a crash would: its containers and directories stay. */
  public void sigkill() {
    gone = true;
    process.destroyForcibly();
    awaitExit();
  }

  /** SIGTERMs the agent JVM alone and waits for it to exit: its containers and directories stay. */
  public void stop() {
    gone = true;
    process.destroy();
    awaitExit();
  }

  private void awaitExit() {
    try {
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        throw new IllegalStateException("Failed to stop the agent: it is still running\n" + logTail());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** The exit status of an agent that has exited. */
  public int exitValue() {
    return process.exitValue();
  }

  /** Starts an agent on {@code root}'s work and runtime dirs: new ones, or an earlier agent's (after a reboot). */
  public static AgentProcess launch(Path root, Map<String, String> environment, boolean awaitRecovered,
      String... extraFlags) {
    try {
      int port = freePort();
      List<String> args = new ArrayList<>(List.of(
          "agent",
          "--ip=127.0.0.1",
          "--port=" + port,
          "--work_dir=" + root.resolve("work"),
          "--runtime_dir=" + root.resolve("runtime")));
      args.addAll(List.of(extraFlags));
      // Each agent locks its --cgroups_root (the freezer, and cgroups/* isolators): a unique one
      // per agent, so that tests running at the same time never contend for a root.
      String cgroupsRoot = args.stream().filter(a -> a.startsWith("--cgroups_root=")).findFirst()
          .map(a -> a.substring("--cgroups_root=".length())).orElse(null);
      if (cgroupsRoot == null) {
        cgroupsRoot = "corral-it-" + root.getFileName().toString().replaceAll("[^A-Za-z0-9]", "");
        args.add("--cgroups_root=" + cgroupsRoot);
      }
      ProcessBuilder builder = new ProcessBuilder(corralCommand(args.toArray(String[]::new)));
      // A marker in the agent's environment: containers must not inherit it (Mesos semantics).
      builder.environment().put(AGENT_ENV_MARKER, "must-not-leak-into-containers");
      builder.environment().putAll(environment);
      Process p = builder
          .redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(root.resolve("agent.log").toFile()))
          .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
          .start();
      Path credentials = args.stream().filter(a -> a.startsWith("--http_credentials="))
          .findFirst().map(a -> Path.of(a.substring("--http_credentials=".length())
              .replaceFirst("^file://", ""))).orElse(null);
      AgentProcess agent = new AgentProcess(root, port, p, cgroupsRoot, credentials);
      agent.awaitHealthy();
      if (awaitRecovered) {
        agent.awaitRecovered();
      }
      return agent;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void awaitHealthy() {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    HttpRequest health = HttpRequest.newBuilder(URI.create(baseUri() + "/health"))
        .timeout(Duration.ofSeconds(2)).GET().build();
    boolean up = Eventually.poll(START_TIMEOUT, () -> {
      if (!process.isAlive()) {
        return true;
      }
      try {
        return http.send(health, HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
      } catch (IOException e) {
        return false;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return true;
      }
    });
    if (!up || !process.isAlive()) {
      String why = process.isAlive() ? "no 200 from GET /health within " + START_TIMEOUT
          : "it exited with " + process.exitValue();
      close();
      throw new IllegalStateException("Failed to start the agent: " + why + "\n" + logTail());
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  public AgentClient client() {
    return client;
  }

  public String baseUri() {
    return "http://127.0.0.1:" + port;
  }

  /** The agent JVM's pid. */
  public long pid() {
    return process.pid();
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  public Path workDir() {
    return workDir;
  }

  public Path runtimeDir() {
    return runtimeDir;
  }

  /** {@code <work_dir>/containers/<id>}: the sandbox, with the {@code stdout} and {@code stderr} files. */
  public Path sandbox(String id) {
    return workDir.resolve("containers").resolve(id);
  }

  /** {@code agent.log}: the agent's stdout and stderr, its own log lines among them. */
  public Path logFile() {
    return log;
  }

  /** The last 8 KB of the agent's output, for failure messages. */
  public String logTail() {
    try {
      byte[] all = Files.readAllBytes(log);
      int from = Math.max(0, all.length - 8192);
      return "--- agent.log (tail) ---\n"
          + new String(all, from, all.length - from, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "(no agent log: " + e.getMessage() + ")";
    }
  }

  /** Stops the agent, SIGKILLs anything of its process tree that is left, deletes its dirs. */
  @Override
  public void close() {
    if (gone) {
      return;
    }
    List<ProcessHandle> tree = process.descendants().toList();
    process.destroy();
    try {
      if (!process.waitFor(15, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        process.waitFor(15, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    for (ProcessHandle h : tree) {
      h.destroyForcibly();
    }
    keepLog();
    unmountUnder(root);
    deleteTree(root);
    removeCgroupsRoot(cgroupsRoot);
  }

  /**
   * Lazily unmounts what is still mounted under {@code dir} (rootfs of image containers a failed
   * test left), deepest first, so that the next test's leak checks find none. Test hygiene only.
   */
  private static void unmountUnder(Path dir) {
    List<String> points = Host.mounts().stream().map(line -> line.split(" ")[4])
        .filter(p -> p.startsWith(dir + "/")).sorted(Comparator.reverseOrder()).toList();
    for (String point : points) {
      try {
        new ProcessBuilder("umount", "-l", point).inheritIO().start().waitFor(10, TimeUnit.SECONDS);
      } catch (IOException e) {
        // Best effort, as deleteTree.
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  /** The agent's {@code --cgroups_root} in every v1 hierarchy ({@code <root>} here). */
  public String cgroupsRoot() {
    return cgroupsRoot;
  }

  /**
   * Removes a stopped agent's root cgroup from every hierarchy under /sys/fs/cgroup, or from the
   * v2 hierarchy there (an agent
   * leaves its root behind, as Mesos does, and a stopped agent leaves its containers running for
   * the next one): what is still in a container cgroup below it is SIGKILLed, the container
   * cgroups are removed (retried for a few seconds while killed tasks exit), then the root. Test
   * hygiene only: the tests' own leak checks run before this.
   */
  public static void removeCgroupsRoot(String cgroupsRoot) {
    Path unified = Path.of("/sys/fs/cgroup");
    try (Stream<Path> hierarchies = Stream.concat(Stream.of(unified), Files.list(unified))) {
      for (Path h : hierarchies.toList()) {
        Path dir = h.resolve(cgroupsRoot);
        if (Files.isDirectory(dir) && !Files.isSymbolicLink(h)) {
          Eventually.poll(Duration.ofSeconds(5), () -> removeCgroupTree(dir));
        }
      }
    } catch (IOException | UncheckedIOException e) {
      // No cgroup hierarchy on this host.
    }
  }

  /** One pass: kill what is in {@code dir}'s cgroups, rmdir them deepest first; true once gone. */
  private static boolean removeCgroupTree(Path dir) {
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path cgroup : walk.filter(Files::isDirectory).sorted(Comparator.reverseOrder()).toList()) {
        try {
          for (String pid : Files.readAllLines(cgroup.resolve("cgroup.procs"))) {
            ProcessHandle.of(Long.parseLong(pid.trim())).ifPresent(ProcessHandle::destroyForcibly);
          }
          Files.delete(cgroup);
        } catch (IOException | NumberFormatException e) {
          // Busy until its killed tasks have exited: the next pass.
        }
      }
    } catch (IOException | UncheckedIOException e) {
      // Gone meanwhile.
    }
    return !Files.exists(dir);
  }

  /** Copies agent.log to {@code target/agent-logs/} so a failed run can be read afterwards. */
  private void keepLog() {
    try {
      Path logs = Files.createDirectories(Path.of("target", "agent-logs"));
      Files.copy(log, logs.resolve("agent-" + port + ".log"),
          java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      // The log is a debugging aid only.
    }
  }

  private static void deleteTree(Path dir) {
    try (Stream<Path> walk = Files.walk(dir)) {
      walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException | UncheckedIOException e) {
      // Best effort: a temp directory left behind does not affect other tests.
    }
  }
}
