package io.corral.images.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.corral.images.ImageReference;
import io.corral.images.testing.TarCommandUnpacker;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

/** Helpers of the store's tests: a store with the tar(1) unpacker, waiting, and file checks. */
final class Stores {
  static final ExecutorService POOL = Executors.newFixedThreadPool(4, r -> {
    Thread t = new Thread(r, "image-store-test");
    t.setDaemon(true);
    return t;
  });

  private Stores() {}

  static void assumeTools() {
    for (String tool : List.of("/usr/bin/docker-registry", "/usr/bin/skopeo", "/usr/bin/htpasswd", "/bin/busybox")) {
      assumeTrue(Files.isExecutable(Path.of(tool)), "needs " + tool + " (ops/scripts/setup-debian.sh installs it)");
    }
  }

  static ImageStore open(Path dir, ImageSource source) throws IOException {
    return ImageStore.open(dir, source, new TarCommandUnpacker(), POOL);
  }

  static StoredImage get(ImageStore store, String name) throws Exception {
    return await(store.get(ImageReference.parse(name), PullListener.NONE));
  }

  static <T> T await(CompletionStage<T> stage) throws Exception {
    try {
      return stage.toCompletableFuture().get(120, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof Exception cause) {
        throw cause;
      }
      throw e;
    } catch (TimeoutException e) {
      throw new AssertionError("the get did not finish in 120 s", e);
    }
  }

  /** Asserts the get fails with an ImagePullException whose message has all of {@code parts}. */
  static ImagePullException assertPullFails(ImageStore store, String name, String... parts) {
    ImagePullException e = assertThrows(ImagePullException.class, () -> get(store, name));
    assertTrue(e.getMessage().startsWith("Failed to pull image '"), e.getMessage());
    for (String part : parts) {
      assertTrue(e.getMessage().contains(part), "'" + e.getMessage() + "' should contain '" + part + "'");
    }
    return e;
  }

  /** Every file under {@code dir} (relative), for "nothing left behind" checks. */
  static List<String> files(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return List.of();
    }
    try (Stream<Path> s = Files.walk(dir)) {
      return s.filter(p -> !p.equals(dir)).map(p -> dir.relativize(p).toString()).sorted().toList();
    }
  }

  /** The unpacked image checks every test image must pass. */
  static void assertBusybox(StoredImage image, int layers) throws IOException {
    assertEquals(layers, image.layers().size());
    assertTrue(Files.isRegularFile(image.layers().get(0).resolve("bin/busybox")), "busybox in the bottom layer");
    assertTrue(Files.isSymbolicLink(image.layers().get(0).resolve("bin/sh")), "applet links");
    assertEquals("1000:1000", image.config().getUser());
    assertEquals("/app", image.config().getWorkingDir());
    assertEquals(List.of("/bin/sh", "-c"), image.config().getEntrypointList());
    assertTrue(image.config().getEnvList().contains("GREETING=corral"));
    assertTrue(image.manifestDigest().startsWith("sha256:"));
  }
}
