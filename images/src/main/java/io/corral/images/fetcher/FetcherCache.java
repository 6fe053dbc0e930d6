package io.corral.images.fetcher;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Mesos' fetcher cache: downloads of URIs with {@code cache: true}, kept per user under
 * {@code --fetcher_cache_dir} ({@code <dir>/<user>/c<n>-<name>}, the command's user, or the
 * directory itself for none) and keyed by user and URI. Concurrent fetches of one key are
 * coalesced: the first downloads, the others wait for it and share its outcome (a failure
 * included, and the entry is then forgotten). The cache holds at most {@code --fetcher_cache_size}
 * bytes: a new entry evicts the least recently used entries not in use; one that still does not
 * fit is not cached, and the fetch goes straight into the sandbox, as Mesos reverts to. NOTE:
 * Mesos reserves the space before the download from its announced size; here the size is known
 * after it, so the cache may hold one download over its size until that download is placed.
 * Thread-safe: one lock guards the index; downloads run outside it.
 */
final class FetcherCache {
  private final Path dir;
  private final long capacity;
  private final AtomicLong counter = new AtomicLong();
  private final Map<String, Entry> entries = new LinkedHashMap<>(16, 0.75f, true);
  private long used;

  private static final class Entry {
    final CompletableFuture<Path> file = new CompletableFuture<>();
    long size;
    int users;
  }

  /** What fetches a URI into a file, at most {@code bound} bytes (more: {@link Downloader.TooLarge}). */
  interface Source {
    long fetchInto(Path file, long bound) throws IOException;
  }

  FetcherCache(Path dir, long capacity) {
    this.dir = dir;
    this.capacity = capacity;
  }

  /**
   * The cached file of {@code uri} for {@code user}, downloading it (once for all concurrent
   * callers) with {@code source}; empty when it does not fit in the cache. {@code use} runs while
   * the entry is held, so it cannot be evicted under it.
   */
  Optional<Path> with(String user, String uri, String name, Source source, FetchCancel cancel,
      IoConsumer use) throws IOException {
    String key = (user == null ? "" : user) + "\n" + uri;
    Entry entry;
    boolean mine;
    synchronized (this) {
      entry = entries.get(key);
      mine = entry == null;
      if (mine) {
        entry = new Entry();
        entries.put(key, entry);
      }
      entry.users++;
    }
    try {
      Path file = mine ? download(key, entry, user, name, source) : await(entry, cancel);
      if (file == null) {
        return Optional.empty();
      }
      use.accept(file);
      return Optional.of(file);
    } finally {
      synchronized (this) {
        entry.users--;
      }
    }
  }

  private Path download(String key, Entry entry, String user, String name, Source source) throws IOException {
    Path userDir = user == null ? dir : dir.resolve(user);
    Path file = userDir.resolve("c" + counter.incrementAndGet() + "-" + name);
    try {
      Files.createDirectories(userDir);
      long size;
      try {
        size = source.fetchInto(file, capacity);
      } catch (Downloader.TooLarge e) {
        size = Long.MAX_VALUE;
      }
      if (size > capacity || !admit(key, entry, size)) {
        synchronized (this) {
          entries.remove(key);
        }
        Files.deleteIfExists(file);
        entry.file.complete(null);
        return null;
      }
      entry.file.complete(file);
      return file;
    } catch (IOException | RuntimeException e) {
      synchronized (this) {
        entries.remove(key);
      }
      Files.deleteIfExists(file);
      entry.file.completeExceptionally(e);
      throw e;
    }
  }

  /** Makes room for {@code size} bytes by evicting idle entries, least recently used first. */
  private synchronized boolean admit(String key, Entry entry, long size) throws IOException {
    var it = entries.entrySet().iterator();
    while (used + size > capacity && it.hasNext()) {
      Map.Entry<String, Entry> e = it.next();
      Entry old = e.getValue();
      if (old != entry && old.users == 0 && old.file.isDone() && !old.file.isCompletedExceptionally()) {
        Path f = old.file.join();
        if (f != null) {
          Files.deleteIfExists(f);
        }
        used -= old.size;
        it.remove();
      }
    }
    if (used + size > capacity) {
      return false;
    }
    entry.size = size;
    used += size;
    return true;
  }

  private static Path await(Entry entry, FetchCancel cancel) throws IOException {
    while (true) {
      cancel.check();
      try {
        return entry.file.get(100, TimeUnit.MILLISECONDS);
      } catch (TimeoutException e) {
        // check for a cancel, then wait on
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new FetchException("the fetch was interrupted");
      } catch (ExecutionException e) {
        throw e.getCause() instanceof FetchException f ? new FetchException(f.getMessage(), f)
            : new FetchException(Downloader.describe(e.getCause()), e.getCause());
      }
    }
  }

  /** Bytes held now. */
  synchronized long used() {
    return used;
  }

  /** An action on a cached file. */
  interface IoConsumer {
    void accept(Path file) throws IOException;
  }
}
