package io.corral.images.fetcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The cache's semantics: per user, coalesced, LRU by size, bypassed when too large, failures shared and forgotten. */
class FetcherCacheTest {
  @TempDir Path dir;
  final AtomicInteger downloads = new AtomicInteger();

  private FetcherCache.Source bytes(int n) {
    return (file, bound) -> {
      downloads.incrementAndGet();
      Files.write(file, new byte[n]);
      return n;
    };
  }

  private Optional<Path> get(FetcherCache cache, String user, String uri, FetcherCache.Source source)
      throws IOException {
    return cache.with(user, uri, "f", source, new FetchCancel(), f -> { });
  }

  @Test
  void concurrentFetchesOfOneUriDownloadOnce() throws Exception {
    FetcherCache cache = new FetcherCache(dir, 1000);
    CountDownLatch release = new CountDownLatch(1);
    FetcherCache.Source slow = (file, bound) -> {
      downloads.incrementAndGet();
      try {
        release.await(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      Files.write(file, new byte[10]);
      return 10;
    };
    List<CompletableFuture<Optional<Path>>> all = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      all.add(CompletableFuture.supplyAsync(() -> {
        try {
          return get(cache, "u", "http://x/f", slow);
        } catch (IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      }));
    }
    io.corral.images.testing.Poll.until(java.time.Duration.ofSeconds(30), () -> downloads.get() == 1, "a download");
    release.countDown();
    Path first = all.get(0).get(30, TimeUnit.SECONDS).orElseThrow();
    for (CompletableFuture<Optional<Path>> f : all) {
      assertEquals(first, f.get(30, TimeUnit.SECONDS).orElseThrow());
    }
    assertEquals(1, downloads.get());
    assertTrue(first.startsWith(dir.resolve("u")), "per user: " + first);
  }

  @Test
  void usersDoNotShareEntries() throws IOException {
    FetcherCache cache = new FetcherCache(dir, 1000);
    assertFalse(get(cache, "a", "http://x/f", bytes(10)).equals(get(cache, "b", "http://x/f", bytes(10))));
    assertEquals(2, downloads.get());
  }

  @Test
  void leastRecentlyUsedEntriesAreEvictedAndTooLargeOnesBypassed() throws IOException {
    FetcherCache cache = new FetcherCache(dir, 100);
    Path a = get(cache, null, "a", bytes(40)).orElseThrow();
    Path b = get(cache, null, "b", bytes(40)).orElseThrow();
    get(cache, null, "a", bytes(40));
    Path c = get(cache, null, "c", bytes(40)).orElseThrow();
    assertTrue(Files.exists(a) && Files.exists(c), "a was used last");
    assertFalse(Files.exists(b), "b evicted");
    assertEquals(80, cache.used());
    assertEquals(Optional.empty(), get(cache, null, "huge", bytes(101)));
    assertEquals(80, cache.used());
  }

  @Test
  void aFailedDownloadIsForgotten() throws IOException {
    FetcherCache cache = new FetcherCache(dir, 100);
    assertThrows(FetchException.class, () -> get(cache, null, "a", (file, bound) -> {
      Files.write(file, new byte[3]);
      throw new FetchException("boom");
    }));
    assertTrue(get(cache, null, "a", bytes(5)).isPresent());
    assertEquals(5, cache.used());
  }
}
