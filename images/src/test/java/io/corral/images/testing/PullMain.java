package io.corral.images.testing;

import io.corral.images.ImageReference;
import io.corral.images.registry.RegistrySettings;
import io.corral.images.store.ImageStore;
import io.corral.images.store.PullListener;
import io.corral.images.store.RegistrySource;
import java.net.URI;
import java.nio.file.Path;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * A separate JVM that pulls one image into a store, for tests that SIGKILL a pull:
 * {@code PullMain <store dir> <registry url> <image>}; prints "pulled <digest>" when done.
 */
public final class PullMain {
  private PullMain() {}

  public static void main(String[] args) throws Exception {
    var pool = Executors.newFixedThreadPool(2);
    ImageStore store = ImageStore.open(Path.of(args[0]),
        new RegistrySource(URI.create(args[1]), RegistrySettings.defaults()), new TarCommandUnpacker(), pool);
    var image = store.get(ImageReference.parse(args[2]), PullListener.NONE).toCompletableFuture()
        .get(120, TimeUnit.SECONDS);
    System.out.println("pulled " + image.manifestDigest());
    pool.shutdown();
  }
}
