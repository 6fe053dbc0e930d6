package io.corral.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.corral.images.testing.Registry;
import io.corral.images.testing.Skopeo;
import io.corral.images.testing.TestImages;
import io.corral.it.support.AgentProcess;
import io.corral.it.support.Host;
import io.corral.posix.MountSafeDelete;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * {@code corral pull} and {@code corral run --image} as a shell runs them, the built jar against
 * Debian's registry on loopback serving the two-layer busybox test image: plain lines when stdout
 * is a file, progress bars on a pseudo-terminal (util-linux {@code script}), a second pull from
 * the store, a missing tag failing with Mesos' message, and containers on the image.
 */
@Tag("root")
class CorralPullIT {
  private static final AtomicInteger RUNS = new AtomicInteger();
  static Path temp;
  static Registry registry;

  @BeforeAll
  static void start() throws IOException {
    assumeTrue(Host.isRoot(), "needs root: unpacking layers, mounts, pivot_root");
    temp = Files.createTempDirectory("corral-pull-it-");
    TestImages.Built image = TestImages.busybox(temp.resolve("oci"), "test");
    registry = Registry.start(temp.resolve("registry"), new Registry.NoAuth());
    Skopeo.push(image.ociName(), registry.authority(), "busybox:latest", Skopeo.Format.V2S2, false, null);
    Skopeo.push(image.ociName(), registry.authority(), "busybox:oci", Skopeo.Format.OCI, false, null);
  }

  @AfterAll
  static void stop() throws IOException {
    if (registry != null) {
      registry.close();
    }
    if (temp != null) {
      MountSafeDelete.deleteRecursively(temp);
    }
  }

  /** What one corral command printed and how it exited. */
  record Result(int status, String out, String err) {
    String all() {
      return "status " + status + "\n--- stdout ---\n" + out + "--- stderr ---\n" + err;
    }
  }

  private static String registryFlag() {
    return "--docker_registry=http://" + registry.authority();
  }

  private static Result corral(List<String> command) throws IOException, InterruptedException {
    Path dir = temp.resolve("run-" + RUNS.incrementAndGet());
    Files.createDirectories(dir);
    Process p = new ProcessBuilder(command)
        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
        .redirectOutput(dir.resolve("out").toFile())
        .redirectError(dir.resolve("err").toFile())
        .start();
    assertTrue(p.waitFor(180, TimeUnit.SECONDS), "corral finished: " + command);
    return new Result(p.exitValue(), Files.readString(dir.resolve("out")), Files.readString(dir.resolve("err")));
  }

  private static Result pull(Path store, String name) throws IOException, InterruptedException {
    return corral(AgentProcess.corralCommand("pull", registryFlag(), "--docker_store_dir=" + store, name));
  }

  private static Result run(Path store, String... imageAndCommand) throws IOException, InterruptedException {
    Path dir = Files.createTempDirectory(temp, "run-");
    List<String> args = new ArrayList<>(List.of("run", registryFlag(), "--docker_store_dir=" + store,
        "--isolation=namespaces/pid", "--work_dir=" + dir.resolve("work"), "--runtime_dir=" + dir.resolve("runtime")));
    args.addAll(List.of(imageAndCommand));
    return corral(AgentProcess.corralCommand(args.toArray(String[]::new)));
  }

  @Test
  void pullPrintsALinePerLayerAndASummaryThenTheSecondPullIsCached() throws Exception {
    Path store = temp.resolve("store-plain");
    Result first = pull(store, "busybox");
    assertEquals(0, first.status(), first.all());
    List<String> lines = first.out().lines().toList();
    assertEquals(3, lines.size(), first.all());
    assertTrue(lines.get(0).matches("Pulled layer [0-9a-f]{12} \\(\\d+ bytes\\)"), first.all());
    assertTrue(lines.get(1).matches("Pulled layer [0-9a-f]{12} \\(\\d+ bytes\\)"), first.all());
    String reference = registry.authority() + "/busybox:latest";
    assertTrue(lines.get(2).matches("Pulled '" + Pattern.quote(reference)
        + "' \\(sha256:[0-9a-f]{64}\\): \\d+ bytes in \\S+"), first.all());
    assertTrue(Files.isDirectory(store.resolve("layers")), "layers in the given store");

    Result second = pull(store, "busybox");
    assertEquals(0, second.status(), second.all());
    assertTrue(second.out().strip().matches("Image '" + Pattern.quote(reference)
        + "' \\(sha256:[0-9a-f]{64}\\) is cached"), second.all());
  }

  @Test
  void aMissingTagExits1WithTheMessage() throws Exception {
    Result missing = pull(temp.resolve("store-missing"), "busybox:nope");
    assertEquals(1, missing.status(), missing.all());
    assertTrue(missing.err().startsWith("Failed to pull image '"), missing.all());
    assertTrue(missing.err().contains("busybox:nope'") && missing.err().contains("not found"), missing.all());
    assertEquals("", missing.out(), missing.all());
  }

  @Test
  void onATerminalThePullShowsAProgressBarPerLayer() throws Exception {
    Path store = temp.resolve("store-tty");
    String line = AgentProcess.corralCommand("pull", registryFlag(), "--docker_store_dir=" + store, "busybox")
        .stream().map(CorralPullIT::shellQuote).collect(Collectors.joining(" "));
    Result tty = corral(List.of("script", "-qec", line, "/dev/null"));
    assertEquals(0, tty.status(), tty.all());
    // Two bars at 100% (the progressbar library's rendering), each redrawn with the cursor moved up.
    long full = tty.out().lines().flatMap(l -> List.of(l.split("\r")).stream()).filter(l -> l.contains("100%"))
        .map(l -> l.replaceAll("\u001b\\[[0-9]*[A-Za-z]", "").strip().split(" ")[0]).distinct().count();
    assertEquals(2, full, "a bar at 100% for each of the two layers\n" + tty.all());
    assertTrue(tty.out().contains("\u001b["), "bars redrawn in place\n" + tty.all());
    assertTrue(tty.out().contains("Pulled '" + registry.authority() + "/busybox:latest'"), tty.all());
    assertFalse(tty.out().contains("Pulled layer"), "no plain lines on a terminal\n" + tty.all());
  }

  @Test
  void runWithAnImageRunsTheCommandOnItsFilesAfterPullingIt() throws Exception {
    Result run = run(temp.resolve("store-run"), "--image=busybox", "--", "/bin/echo", "hi");
    assertEquals(0, run.status(), run.all());
    assertEquals("hi\n", run.out(), run.all());
    assertTrue(run.err().contains("Pulled layer"), "the pull's progress on stderr\n" + run.all());
  }

  @Test
  void runWithAnImageAndNoCommandRunsItsEntrypointAndCmd() throws Exception {
    Path store = temp.resolve("store-defaults");
    assertEquals(0, pull(store, "busybox:oci").status());
    Result run = run(store, "--image=busybox:oci");
    assertEquals(0, run.status(), run.all());
    assertEquals("hello corral from /app as 1000:1000\n", run.out(), run.all());
    assertFalse(run.err().contains("Pulled layer"), "the pulled image came from the store\n" + run.all());
  }

  private static String shellQuote(String word) {
    return "'" + word.replace("'", "'\\''") + "'";
  }
}
