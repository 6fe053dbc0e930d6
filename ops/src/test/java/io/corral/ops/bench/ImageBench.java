package io.corral.ops.bench;

import io.corral.images.DockerProvisioner;
import io.corral.images.ImageReference;
import io.corral.images.registry.RegistrySettings;
import io.corral.images.store.ImageStore;
import io.corral.images.store.PullListener;
import io.corral.images.store.RegistrySource;
import io.corral.images.testing.LayerTar;
import io.corral.images.testing.TestImages;
import io.corral.posix.MountSafeDelete;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * The Java side of {@code ops/bench/images.sh}: builds its test images and times pulls into a
 * fresh image store. Not a test (compiled with the test sources, run by the script as
 * {@code java -cp corral.jar:ops test-classes:images test-classes io.corral.ops.bench.ImageBench
 * MODE --key=value...}). Modes:
 * <ul>
 *   <li>{@code build --dir=D --layers=L --layer_bytes=B}: OCI layouts {@code D/busybox} (the
 *       two-layer busybox test image, {@link TestImages#busybox}) and {@code D/layered} (the
 *       busybox bottom layer and L - 1 layers of B random, incompressible bytes each, seeded),
 *       both tagged {@code latest}; prints the layered image's compressed size.</li>
 *   <li>{@code pull --registry=URL --image=NAME --work=DIR --n=N --warmup=W --unpack=true|false
 *       --out=FILE}: W discarded then N measured pulls of NAME, each into a new store under DIR
 *       opened (outside the timed region) as the agent opens it: {@code --unpack=true} through
 *       {@link DockerProvisioner#create} (layers verified and unpacked for the default backend),
 *       {@code --unpack=false} with an unpacker that writes nothing (download, digest and
 *       diff_id checks only). Each store is deleted after its pull, untimed. Writes the wall
 *       microseconds of each measured pull to FILE, one a line.</li>
 * </ul>
 * Both open the store with a pool of 4 threads, as the agent does.
 */
public final class ImageBench {
  private ImageBench() {}

  public static void main(String[] args) throws Exception {
    Map<String, String> opts = new HashMap<>();
    for (int i = 1; i < args.length; i++) {
      int eq = args[i].indexOf('=');
      if (!args[i].startsWith("--") || eq < 0) {
        throw new IllegalArgumentException("Expected --key=value, got '" + args[i] + "'");
      }
      opts.put(args[i].substring(2, eq), args[i].substring(eq + 1));
    }
    switch (args.length == 0 ? "" : args[0]) {
      case "build" -> build(Path.of(opts.get("dir")), Integer.parseInt(opts.getOrDefault("layers", "10")),
          Integer.parseInt(opts.getOrDefault("layer_bytes", Integer.toString(1 << 20))));
      case "pull" -> pull(opts);
      default -> {
        System.err.println("usage: ImageBench build|pull --key=value...");
        System.exit(2);
      }
    }
    System.exit(0);
  }

  private static void build(Path dir, int layers, int layerBytes) throws IOException {
    TestImages.busybox(dir.resolve("busybox"), "latest");
    List<byte[]> tars = new ArrayList<>();
    tars.add(TestImages.bottomLayer());
    Random random = new Random(42);
    for (int i = 1; i < layers; i++) {
      byte[] data = new byte[layerBytes];
      random.nextBytes(data);
      tars.add(new LayerTar().dir("data", 0755).file("data/" + i, 0644, data).bytes());
    }
    var layout = new io.corral.images.testing.OciLayout(dir.resolve("layered"));
    var image = layout.image(tars, TestImages.runtimeConfig(), "amd64");
    layout.tag(image, "latest");
    long size = 0;
    for (String digest : image.layerDigests()) {
      size += Files.size(dir.resolve("layered/blobs/sha256").resolve(digest.substring(7)));
    }
    System.out.printf("layered: %d layers, %d bytes compressed%n", layers, size);
  }

  private static void pull(Map<String, String> opts) throws Exception {
    URI registry = URI.create(opts.get("registry"));
    ImageReference image = ImageReference.parse(opts.get("image"));
    Path work = Path.of(opts.get("work"));
    int n = Integer.parseInt(opts.get("n"));
    int warmup = Integer.parseInt(opts.getOrDefault("warmup", "3"));
    boolean unpack = Boolean.parseBoolean(opts.getOrDefault("unpack", "true"));
    ExecutorService pool = Executors.newFixedThreadPool(4, r -> {
      Thread t = new Thread(r, "bench-images");
      t.setDaemon(true);
      return t;
    });
    List<String> lines = new ArrayList<>();
    for (int i = 0; i < warmup + n; i++) {
      Path dir = work.resolve("pull-" + i);
      ImageStore store = unpack
          ? DockerProvisioner.create(dir.resolve("store"), dir.resolve("containers"), registry.toString(),
              RegistrySettings.defaults(), Optional.empty(), pool, PullListener.NONE).store()
          : ImageStore.open(dir.resolve("store"), new RegistrySource(registry, RegistrySettings.defaults()),
              (blob, target) -> { }, pool);
      long t0 = System.nanoTime();
      store.get(image, PullListener.NONE).toCompletableFuture().get(300, TimeUnit.SECONDS);
      long micros = (System.nanoTime() - t0) / 1_000;
      if (i >= warmup) {
        lines.add(Long.toString(micros));
      }
      MountSafeDelete.deleteRecursively(dir);
    }
    Files.write(Path.of(opts.get("out")), lines);
    pool.shutdown();
  }
}
