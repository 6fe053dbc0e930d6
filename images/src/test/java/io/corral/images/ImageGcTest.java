package io.corral.images;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.corral.proto.v1.ContainerID;
import io.corral.proto.v1.DurationInfo;
import io.corral.proto.v1.Image;
import io.corral.proto.v1.ImageGcConfig;
import io.corral.proto.v1.ProvisionedRootfs;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The automatic collection's policy against the real file system's figures: a headroom of 1.0
 * prunes at every check (any use reaches it), 0.0 never (no file system is ever 100% full here),
 * the excluded images go to the prune, and a bad config is refused.
 */
class ImageGcTest {
  @TempDir Path store;

  /** Records the prunes; provisions nothing. */
  static final class Prunes implements Provisioner {
    final List<List<Image>> calls = new CopyOnWriteArrayList<>();

    public Optional<String> invalid(Image image) {
      return Optional.empty();
    }

    public CompletionStage<ProvisionedRootfs> provision(ContainerID id, Image image) {
      throw new UnsupportedOperationException();
    }

    public void destroy(ContainerID id) {}

    public void prune(List<Image> excluded) {
      calls.add(excluded);
    }

    public void recover(Set<ContainerID> live) {}
  }

  private static ImageGcConfig config(double headroom, long nanos) {
    return ImageGcConfig.newBuilder().setImageDiskHeadroom(headroom)
        .setImageDiskWatchInterval(DurationInfo.newBuilder().setNanoseconds(nanos))
        .addExcludedImages(Image.newBuilder().setType(Image.Type.DOCKER)
            .setDocker(Image.Docker.newBuilder().setName("keep"))).build();
  }

  @Test
  void aFullHeadroomPrunesAtEveryCheckWithTheExcludedImages() {
    Prunes prunes = new Prunes();
    new ImageGc(prunes, store, config(1.0, 1_000_000_000L)).check();
    assertEquals(1, prunes.calls.size());
    assertEquals("keep", prunes.calls.get(0).get(0).getDocker().getName());
  }

  @Test
  void noHeadroomNeverPrunes() {
    Prunes prunes = new Prunes();
    new ImageGc(prunes, store, config(0.0, 1_000_000_000L)).check();
    assertTrue(prunes.calls.isEmpty());
  }

  @Test
  void theCheckRunsEveryInterval() {
    Prunes prunes = new Prunes();
    try (ImageGc gc = new ImageGc(prunes, store, config(1.0, 20_000_000L)).start()) {
      long deadline = System.nanoTime() + 10_000_000_000L;
      while (prunes.calls.size() < 3 && System.nanoTime() < deadline) {
        Thread.onSpinWait();
      }
    }
    assertTrue(prunes.calls.size() >= 3, prunes.calls.size() + " prunes");
  }

  @Test
  void aHeadroomOutsideZeroToOneOrAnIntervalThatIsNotPositiveIsRefused() {
    assertThrows(IllegalArgumentException.class, () -> new ImageGc(new Prunes(), store, config(1.5, 1)));
    assertThrows(IllegalArgumentException.class, () -> new ImageGc(new Prunes(), store, config(0.5, 0)));
  }
}
