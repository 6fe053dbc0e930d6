package io.corral.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.corral.images.store.PullListener.PullStats;
import io.corral.images.store.StoredImage;
import io.corral.proto.v1.ImageConfig;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The rendering policy of a pull: bars on a terminal, plain lines (one per layer, once) elsewhere. */
class PullProgressTest {
  private static final String A = "sha256:" + "a".repeat(64);
  private static final String B = "sha256:" + "b".repeat(64);
  private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
  private final PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);

  private List<String> lines() {
    return bytes.toString(StandardCharsets.UTF_8).lines().toList();
  }

  private static StoredImage image() {
    return new StoredImage("127.0.0.1:5000/busybox:latest", "sha256:" + "c".repeat(64),
        ImageConfig.getDefaultInstance(), List.of());
  }

  @Test
  void notATerminalGivesPlainLinesAndATerminalBars() {
    assertInstanceOf(PullProgress.Lines.class, PullProgress.to(out, false));
    assertInstanceOf(PullProgress.Bars.class, PullProgress.to(out, true));
  }

  @Test
  void aStreamThatIsNotATerminalGivesPlainLines() {
    // A descriptor that is not open is no terminal; the IT shows a pseudo-terminal gives bars.
    assertInstanceOf(PullProgress.Lines.class, PullProgress.to(out, 1000));
  }

  @Test
  void eachLayerIsOneLineWhenItsBlobIsCompleteEvenWhenLayersInterleave() {
    PullProgress progress = PullProgress.to(out, false);
    progress.layerProgress(A, 10, 100);
    progress.layerProgress(B, 5, 50);
    progress.layerProgress(B, 50, 50);
    progress.layerProgress(A, 100, 100);
    progress.layerProgress(A, 100, 100);
    progress.finished(new PullStats("127.0.0.1:5000/busybox:latest", false, true, 150, Duration.ofMillis(1500)));
    assertEquals(List.of("Pulled layer bbbbbbbbbbbb (50 bytes)", "Pulled layer aaaaaaaaaaaa (100 bytes)"), lines());
    assertEquals("Pulled '127.0.0.1:5000/busybox:latest' (sha256:" + "c".repeat(64) + "): 150 bytes in 1.5secs",
        progress.summary(image()));
  }

  @Test
  void aLayerOfUnknownSizeIsOneLineWhenThePullFinishes() {
    PullProgress progress = PullProgress.to(out, false);
    progress.layerProgress(A, 10, -1);
    progress.layerProgress(A, 70, -1);
    assertEquals(List.of(), lines());
    progress.finished(new PullStats("r", false, true, 70, Duration.ofMillis(5)));
    assertEquals(List.of("Pulled layer aaaaaaaaaaaa (70 bytes)"), lines());
  }

  @Test
  void barsCountInAUnitThatFitsTheLayer() {
    assertEquals(" B", PullProgress.unitName(285));
    assertEquals(" B", PullProgress.unitName(-1));
    assertEquals(" KiB", PullProgress.unitName(1036112));
    assertEquals(1 << 20, PullProgress.unitSize(50L << 20));
    assertEquals(" MiB", PullProgress.unitName(50L << 20));
  }

  @Test
  void aCacheHitSaysCachedAndNothingElse() {
    PullProgress progress = PullProgress.to(out, false);
    progress.finished(new PullStats("r", true, true, 0, Duration.ofMillis(1)));
    assertEquals(List.of(), lines());
    assertTrue(progress.summary(image()).endsWith("is cached"), progress.summary(image()));
  }
}
