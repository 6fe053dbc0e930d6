package io.corral.images.store;

import static io.corral.images.store.Stores.assertPullFails;
import static io.corral.images.store.Stores.files;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.corral.images.ImageReference;
import io.corral.images.registry.RegistrySettings;
import io.corral.images.testing.Commands;
import io.corral.images.testing.CountingProxy;
import io.corral.images.testing.Poll;
import io.corral.images.testing.Registry;
import io.corral.images.testing.Skopeo;
import io.corral.images.testing.Skopeo.Format;
import io.corral.images.testing.TestImages;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pulls that fail half-way leave nothing behind: a blob corrupted in the registry's storage, a
 * store on a full file system, and a pulling JVM killed with SIGKILL mid-download (its temporary
 * files go when the store is opened again).
 */
class PullFailureIT {
  @TempDir static Path work;
  static Registry registry;
  static TestImages.Built busybox;

  @BeforeAll
  static void push() throws Exception {
    Stores.assumeTools();
    registry = Registry.start(work.resolve("registry"), new Registry.NoAuth());
    busybox = TestImages.busybox(work.resolve("oci"), "test");
    Skopeo.push(busybox.ociName(), registry.authority(), "busybox:latest", Format.V2S2, false, null);
    Skopeo.push(busybox.ociName(), registry.authority(), "corrupt:latest", Format.V2S2, false, null);
  }

  @AfterAll
  static void stop() {
    if (registry != null) {
      registry.close();
    }
  }

  private static ImageStore store(Path dir) throws IOException {
    return Stores.open(dir, new RegistrySource(registry.url(), RegistrySettings.defaults()));
  }

  private static String bottom() {
    return busybox.image().diffIds().get(0).substring(7);
  }

  @Test
  void aCorruptedBlobIsRefusedAndNothingIsKept(@TempDir Path dir) throws Exception {
    Path separate = work.resolve("corrupt-registry");
    try (Registry own = Registry.start(separate, new Registry.NoAuth())) {
      Skopeo.push(busybox.ociName(), own.authority(), "busybox:latest", Format.V2S2, false, null);
      String digest = busybox.image().layerDigests().get(0);
      try (RandomAccessFile f = new RandomAccessFile(own.blobFile(digest).toFile(), "rw")) {
        f.seek(f.length() / 2);
        int b = f.read();
        f.seek(f.length() / 2);
        f.write(b ^ 0xff);
      }
      ImageStore store = Stores.open(dir, new RegistrySource(own.url(), RegistrySettings.defaults()));
      assertPullFails(store, "busybox", "digest mismatch for blob '" + digest + "': got 'sha256:");
      assertEquals(List.of(), files(dir.resolve("tmp")));
      assertFalse(Files.exists(dir.resolve("blobs")), "no blob is written to disk");
      assertFalse(Files.exists(dir.resolve("layers").resolve(bottom())));
      assertNull(store.cached(ImageReference.parse("busybox")));
    }
  }

  @Test
  void aFullFileSystemFailsThePullCleanly(@TempDir Path dir) throws Exception {
    assumeTrue("root".equals(System.getProperty("user.name")), "needs root: mount(2) of a small tmpfs");
    Path small = Files.createDirectories(dir.resolve("small"));
    Commands.run("mount", "-t", "tmpfs", "-o", "size=640k,mode=0755", "tmpfs", small.toString());
    try {
      ImageStore store = store(small.resolve("store"));
      assertPullFails(store, "busybox", "No space left on device");
      assertEquals(List.of(), files(small.resolve("store/tmp")), "no partial download or unpack");
      assertFalse(Files.exists(small.resolve("store/blobs")), "no blob is written to disk");
      assertFalse(Files.exists(small.resolve("store/layers").resolve(bottom())));
      assertNull(store.cached(ImageReference.parse("busybox")));
    } finally {
      Commands.run("umount", small.toString());
    }
  }

  @Test
  void aKilledPullLeavesOnlyTemporaryFilesThatOpeningRemoves(@TempDir Path dir) throws Exception {
    Path storeDir = dir.resolve("store");
    try (CountingProxy proxy = new CountingProxy(registry.url())) {
      proxy.holdBlobs();
      Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
          "-cp", System.getProperty("java.class.path"), "io.corral.images.testing.PullMain",
          storeDir.toString(), proxy.url().toString(), "busybox")
          .redirectErrorStream(true).redirectOutput(dir.resolve("child.log").toFile()).start();
      try {
        Path log = dir.resolve("child.log");
        Poll.until(Duration.ofSeconds(60), () -> proxy.blobsStarted() > 0 && !tmpFiles(storeDir).isEmpty(),
            () -> "the child to be half-way through a blob; it says: " + read(log));
      } finally {
        child.destroyForcibly();
        child.waitFor(30, TimeUnit.SECONDS);
      }
      assertFalse(tmpFiles(storeDir).isEmpty(), "the killed pull left a partial download");
      assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(storeDir)));

      proxy.release();
      ImageStore store = store(storeDir);
      assertEquals(List.of(), files(storeDir.resolve("tmp")), "open() recovered the store");
      assertNull(store.cached(ImageReference.parse(registry.authority() + "/busybox")));
      Stores.assertBusybox(Stores.get(store, "busybox"), 2);
    }
  }

  private static String read(Path log) {
    try {
      return Files.readString(log);
    } catch (IOException e) {
      return e.toString();
    }
  }

  private static List<String> tmpFiles(Path store) {
    try {
      return files(store.resolve("tmp"));
    } catch (IOException e) {
      return List.of();
    }
  }
}
