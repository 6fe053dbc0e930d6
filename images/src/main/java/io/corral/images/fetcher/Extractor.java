package io.corral.images.fetcher;

import io.corral.images.unpack.EntryNames;
import io.corral.images.unpack.FileTrees;
import io.corral.images.unpack.UnsafeLayerException;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Enumeration;
import java.util.List;
import java.util.Locale;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.zip.ZipArchiveEntry;
import org.apache.commons.compress.archivers.zip.ZipFile;
import org.apache.commons.compress.compressors.bzip2.BZip2CompressorInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;
import org.apache.commons.compress.compressors.xz.XZCompressorInputStream;

/**
 * Extracts the archives Mesos' fetcher extracts, chosen by the same file name suffixes: tar
 * ({@code .tar}), gzip, bzip2 and xz compressed tar ({@code .tgz .tar.gz .tbz2 .tar.bz2 .txz
 * .tar.xz}), zip, and a bare gzip file ({@code x.gz} becomes {@code x}). An archive is extracted
 * into a hidden staging directory in the sandbox and moved into the sandbox only once whole, so
 * a bad archive leaves nothing behind. No entry may leave the sandbox: {@code ..} components,
 * absolute or escaping link targets, entries under a link, hard links to anything but an earlier
 * file, and device or fifo entries are refused; set-id bits are dropped. The extracted bytes are
 * bounded by {@code limit}. Stateless; runs on the caller's thread.
 */
final class Extractor {
  private static final List<String> TAR = List.of(".tar", ".tgz", ".tar.gz", ".tbz2", ".tar.bz2", ".txz", ".tar.xz");

  private Extractor() {}

  /** Whether Mesos' fetcher would extract a file of this name. */
  static boolean isArchive(String name) {
    String lower = name.toLowerCase(Locale.ROOT);
    return TAR.stream().anyMatch(lower::endsWith) || lower.endsWith(".zip") || lower.endsWith(".gz");
  }

  /** Extracts {@code archive} into {@code sandbox}; returns what it put at the sandbox's top. */
  static List<Path> extract(Path archive, Path sandbox, long limit, FetchCancel cancel) throws IOException {
    String lower = archive.getFileName().toString().toLowerCase(Locale.ROOT);
    Path staging = Files.createTempDirectory(sandbox, ".extracting-");
    try {
      StagedTree tree = new StagedTree(staging, limit, cancel);
      if (lower.endsWith(".zip")) {
        unzip(archive, tree);
      } else if (TAR.stream().anyMatch(lower::endsWith)) {
        untar(archive, lower, tree);
      } else {
        try (InputStream in = new GzipCompressorInputStream(new BufferedInputStream(Files.newInputStream(archive)))) {
          String name = archive.getFileName().toString();
          tree.file(name.substring(0, name.length() - ".gz".length()), in, 0644);
        }
      }
      for (String own : new String[] {"stdout", "stderr"}) {
        Path staged = staging.resolve(own);
        if (Files.exists(staged, java.nio.file.LinkOption.NOFOLLOW_LINKS)
            && !Files.isRegularFile(staged, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
          throw new UnsafeLayerException("entry '" + own + "' would replace the sandbox's " + own
              + " file with something that is not a regular file");
        }
      }
      return Merge.into(staging, sandbox);
    } catch (UnsafeLayerException e) {
      throw new FetchException("Failed to extract archive '" + archive + "': " + e.getMessage(), e);
    } catch (FetchException e) {
      throw e;
    } catch (IOException | RuntimeException e) {
      throw new FetchException("Failed to extract archive '" + archive + "': " + Downloader.describe(e), e);
    } finally {
      FileTrees.delete(staging);
    }
  }

  private static void untar(Path archive, String lower, StagedTree tree) throws IOException {
    InputStream raw = new BufferedInputStream(Files.newInputStream(archive));
    InputStream in = lower.endsWith(".tar") ? raw
        : lower.endsWith("gz") ? new GzipCompressorInputStream(raw)
        : lower.endsWith("bz2") ? new BZip2CompressorInputStream(raw)
        : new XZCompressorInputStream(raw);
    try (TarArchiveInputStream tar = new TarArchiveInputStream(in)) {
      for (TarArchiveEntry e = tar.getNextEntry(); e != null; e = tar.getNextEntry()) {
        String name = EntryNames.normalize(e.getName());
        if (name.isEmpty()) {
          continue;
        }
        if (e.isDirectory()) {
          tree.directory(name, e.getMode());
        } else if (e.isSymbolicLink()) {
          tree.symlink(name, e.getLinkName());
        } else if (e.isLink()) {
          tree.hardLink(name, EntryNames.normalize(e.getLinkName()));
        } else if (e.isFile()) {
          tree.file(name, tar, e.getMode());
        } else {
          throw new UnsafeLayerException("entry '" + e.getName() + "' is a device, fifo or other special file");
        }
      }
    }
  }

  private static void unzip(Path archive, StagedTree tree) throws IOException {
    try (ZipFile zip = ZipFile.builder().setPath(archive).get()) {
      for (Enumeration<ZipArchiveEntry> all = zip.getEntries(); all.hasMoreElements(); ) {
        ZipArchiveEntry e = all.nextElement();
        String name = EntryNames.normalize(e.getName());
        int mode = e.getUnixMode();
        if (name.isEmpty()) {
          continue;
        }
        if (e.isDirectory()) {
          tree.directory(name, mode == 0 ? 0755 : mode);
        } else if (e.isUnixSymlink()) {
          tree.symlink(name, zip.getUnixSymlink(e));
        } else {
          try (InputStream in = zip.getInputStream(e)) {
            tree.file(name, in, mode == 0 ? 0644 : mode);
          }
        }
      }
    }
  }
}
