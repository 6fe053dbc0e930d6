package io.corral.images.fetcher;

import io.corral.images.unpack.FileTrees;
import io.corral.proto.v1.CommandInfo;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Mesos' fetcher, in the agent: puts every {@code CommandInfo.uris} entry into the sandbox, in
 * order, before the command runs. Each URI is downloaded or copied (through the cache when it
 * says {@code cache}) to its {@code output_file} or file name; then it is made executable
 * ({@code executable}: 0755, and not extracted), or extracted when {@code extract} (the default)
 * and its name is an archive's, the archive itself staying, as with Mesos. Everything written
 * belongs to the sandbox's owner (the command's user), and a local file is read only if that
 * user may read it. The log goes to the sandbox's {@code stderr} ({@link FetchLog}). The first
 * URI that fails ends the fetch with "Failed to fetch '<uri>': <cause>", leaving nothing of that
 * URI behind. Thread-safe; {@link #fetch} blocks its caller, {@link #fetchAsync} runs it on the
 * fetcher's own threads.
 */
public final class UriFetcher {
  private final FetcherSettings settings;
  private final Downloader downloader;
  private final FetcherCache cache;

  private UriFetcher(FetcherSettings settings) {
    this.settings = settings;
    this.downloader = new Downloader(settings.stallTimeout());
    this.cache = new FetcherCache(settings.cacheDir(), settings.cacheSize());
  }

  /**
   * A fetcher with {@code settings}; its cache directory is emptied (Mesos clears it when the
   * agent starts) and created 0700.
   *
   * @throws UncheckedIOException when the cache directory cannot be made
   */
  public static UriFetcher start(FetcherSettings settings) {
    Path dir = settings.cacheDir();
    if (!dir.isAbsolute() || dir.normalize().getNameCount() < 2) {
      throw new IllegalArgumentException("Failed to use the fetcher cache directory '" + dir
          + "': it must be an absolute path below a top-level directory (the agent clears it)");
    }
    try {
      clear(dir);
      Files.createDirectories(dir);
      if (!dir.toRealPath().equals(dir.normalize())) {
        throw new IllegalArgumentException("Failed to use the fetcher cache directory '" + dir
            + "': it leads through a symbolic link to '" + dir.toRealPath() + "'");
      }
      Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
    } catch (IOException e) {
      throw new UncheckedIOException("Failed to create the fetcher cache directory '" + settings.cacheDir() + "'", e);
    }
    return new UriFetcher(settings);
  }

  /**
   * The JVM's fetcher with Mesos' defaults and its cache in a fresh temporary directory (removed
   * when the JVM exits), made on first use: for an embedding that does not configure one.
   */
  public static UriFetcher shared() {
    return Shared.INSTANCE;
  }

  private static final class Shared {
    static final UriFetcher INSTANCE = temporary();

    private static UriFetcher temporary() {
      try {
        Path dir = Files.createTempDirectory("corral-fetch-");
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
          try {
            FileTrees.delete(dir);
          } catch (IOException e) {
            // a temporary directory: the system's cleaner has the last word
          }
        }, "corral-fetch-cache-removal"));
        return start(new FetcherSettings(dir, FetcherSettings.DEFAULT_CACHE_SIZE, FetcherSettings.DEFAULT_STALL_TIMEOUT));
      } catch (IOException e) {
        throw new UncheckedIOException("Failed to create a temporary fetcher cache directory", e);
      }
    }
  }

  /**
   * Empties {@code dir} by renaming it aside first, so that two agents sharing the default
   * directory never delete under each other's walk; absent is fine.
   */
  private static void clear(Path dir) throws IOException {
    Path aside = dir.resolveSibling(dir.getFileName() + ".old-" + ProcessHandle.current().pid() + "-"
        + System.nanoTime());
    try {
      Files.move(dir, aside, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    } catch (java.nio.file.NoSuchFileException e) {
      return;
    }
    FileTrees.delete(aside);
  }

  public FetcherSettings settings() {
    return settings;
  }

  /** Bytes the cache holds now. */
  public long cacheUsed() {
    return cache.used();
  }

  /**
   * {@link #fetch} on the fetcher's own threads (daemons, made as needed and ended when idle),
   * so that slow downloads never hold the agent's blocking dispatcher, which isolators need.
   */
  public CompletableFuture<Void> fetchAsync(CommandInfo command, Path sandbox, long limit, FetchCancel cancel) {
    return CompletableFuture.runAsync(() -> {
      try {
        fetch(command, sandbox, limit, cancel);
      } catch (IOException e) {
        throw new CompletionException(e);
      }
    }, THREADS);
  }

  private static final ExecutorService THREADS = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "corral-fetcher");
    t.setDaemon(true);
    return t;
  });

  /**
   * Fetches {@code command}'s URIs into {@code sandbox}, at most {@code limit} bytes in all.
   *
   * @throws FetchException "Failed to fetch '<uri>': <cause>" for the first URI that failed
   */
  public void fetch(CommandInfo command, Path sandbox, long limit, FetchCancel cancel) throws IOException {
    FetchLog.Owner owner = FetchLog.Owner.of(sandbox);
    try (FetchLog log = FetchLog.open(sandbox, owner)) {
      long remaining = limit;
      for (CommandInfo.URI uri : command.getUrisList()) {
        String value = FetchUris.value(uri);
        try {
          remaining -= fetchOne(uri, command.hasUser() ? command.getUser() : null, sandbox, owner, remaining,
              log, cancel);
        } catch (IOException | RuntimeException e) {
          String cause = Downloader.describe(e);
          log.error("Failed to fetch '" + value + "': " + cause);
          throw new FetchException("Failed to fetch '" + value + "': " + cause, e);
        }
      }
      log.info("Successfully fetched all URIs into '" + sandbox + "'");
    }
  }

  /** Fetches one URI; returns the bytes it put in the sandbox. */
  private long fetchOne(CommandInfo.URI uri, String user, Path sandbox, FetchLog.Owner owner, long limit,
      FetchLog log, FetchCancel cancel) throws IOException {
    String value = FetchUris.value(uri);
    Path target = sandbox.resolve(FetchUris.target(uri));
    refuseLinks(sandbox, target);
    Path firstCreated = firstMissing(sandbox, target);
    long[] size = {0};
    Optional<Path> cached = Optional.empty();
    if (uri.getCache()) {
      log.info("Fetching URI '" + value + "' through the cache");
      cached = cache.with(user, value, FetchUris.basename(value),
          (file, bound) -> cacheSource(value, file, Math.min(limit, bound), limit <= bound, owner, cancel),
          cancel, file -> size[0] = downloader.fetch(file.toString(), target, limit, UserReader.ROOT, cancel));
      if (cached.isEmpty()) {
        log.warning("Reverting to fetching directly into the sandbox for '" + value
            + "': it does not fit in the cache of " + settings.cacheSize() + " bytes");
      }
    }
    if (cached.isEmpty()) {
      log.info("Fetching '" + value + "' directly into the sandbox directory");
      size[0] = downloader.fetch(value, target, limit, reader(owner), cancel);
    }
    try {
      size[0] += place(uri, target, sandbox, owner, firstCreated, limit - size[0], log, cancel);
    } catch (IOException | RuntimeException e) {
      FileTrees.delete(firstCreated); // nothing of a failed URI stays, its download included
      throw e;
    }
    log.info("Fetched '" + value + "' to '" + target + "'");
    return size[0];
  }

  /** Owns, makes executable or extracts a fetched file; returns the bytes extraction added. */
  private static long place(CommandInfo.URI uri, Path target, Path sandbox, FetchLog.Owner owner, Path firstCreated,
      long limit, FetchLog log, FetchCancel cancel) throws IOException {
    long added = 0;
    owner.chownTree(firstCreated);
    if (uri.getExecutable()) {
      Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rwxr-xr-x"));
    } else if (uri.getExtract() && Extractor.isArchive(target.getFileName().toString())) {
      List<Path> extracted = Extractor.extract(target, sandbox, limit, cancel);
      for (Path p : extracted) {
        owner.chownTree(p);
        added += Files.isRegularFile(p) ? Files.size(p) : 0;
      }
      log.info("Extracted '" + target + "' into '" + sandbox + "'");
    } else if (uri.hasExtract() && uri.getExtract()) {
      log.warning("Copying instead of extracting resource from URI with 'extract' flag, because it does not"
          + " seem to be an archive: " + FetchUris.value(uri));
    }
    return added;
  }

  /**
   * Fetches {@code value} into a cache file of at most {@code bound} bytes; a resource over the
   * container's own limit ({@code limitBinds}) fails the fetch, one over the cache's bypasses it.
   */
  private long cacheSource(String value, Path file, long bound, boolean limitBinds, FetchLog.Owner owner,
      FetchCancel cancel) throws IOException {
    try {
      return downloader.fetch(value, file, bound, reader(owner), cancel);
    } catch (Downloader.TooLarge e) {
      if (limitBinds) {
        throw new FetchException(e.getMessage(), e);
      }
      throw e;
    }
  }

  private static Downloader.Reader reader(FetchLog.Owner owner) {
    return new UserReader(owner.uid(), owner.gid());
  }

  /**
   * Refuses a target under a symbolic link, or one that is a link or a directory: an archive
   * fetched earlier may have put one there, and the fetcher writes as root.
   */
  private static void refuseLinks(Path sandbox, Path target) throws FetchException {
    Path at = sandbox;
    for (Path part : sandbox.relativize(target)) {
      at = at.resolve(part);
      if (Files.isSymbolicLink(at)) {
        throw new FetchException("'" + at + "' is a symbolic link");
      }
    }
    if (Files.isDirectory(target, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      throw new FetchException("'" + target + "' is a directory");
    }
  }

  /** The first directory between {@code sandbox} and {@code target} that does not exist yet, or the target. */
  private static Path firstMissing(Path sandbox, Path target) {
    Path at = sandbox;
    for (Path part : sandbox.relativize(target)) {
      at = at.resolve(part);
      if (!Files.exists(at)) {
        return at;
      }
    }
    return target;
  }
}
