package io.corral.isolators.docker.volume;

import com.google.protobuf.InvalidProtocolBufferException;
import io.corral.posix.AtomicFiles;
import io.corral.proto.v1.DockerVolumeMounts;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import java.util.TreeSet;

/**
 * The checkpoint of the Docker volume mounts: {@code <dir>/<container id>/volumes}, a
 * {@link DockerVolumeMounts} written atomically (a temporary file, fsync, rename, fsync of the
 * directory), so that a reader sees the old list or the new one. A missing or empty file is
 * an empty list (as Mesos tolerates). The directory is created 0700 (its files name volumes).
 * Not synchronized: each container's file is written by the one call that runs for it.
 */
final class MountLedger {
  static final String FILE = "volumes";

  private final Path dir;

  MountLedger(Path dir) {
    this.dir = dir;
  }

  Path dir() {
    return dir;
  }

  /** The ids of every container with a checkpoint directory. */
  Set<String> containers() throws IOException {
    Set<String> ids = new TreeSet<>();
    if (!Files.isDirectory(dir)) {
      return ids;
    }
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir, Files::isDirectory)) {
      entries.forEach(e -> ids.add(e.getFileName().toString()));
    }
    return ids;
  }

  DockerVolumeMounts read(String container) throws IOException {
    try {
      return DockerVolumeMounts.parseFrom(Files.readAllBytes(file(container)));
    } catch (NoSuchFileException e) {
      return DockerVolumeMounts.getDefaultInstance();
    } catch (InvalidProtocolBufferException e) {
      throw new IOException("corrupt checkpoint '" + file(container) + "': " + e.getMessage(), e);
    }
  }

  void write(String container, DockerVolumeMounts mounts) throws IOException {
    if (!Files.isDirectory(dir)) {
      Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    }
    Path target = file(container);
    Files.createDirectories(target.getParent());
    AtomicFiles.writeDurably(target, mounts);
  }

  /** Forgets the container: its file and directory (missing is fine). */
  void delete(String container) throws IOException {
    Path containerDir = dir.resolve(container);
    Files.deleteIfExists(containerDir.resolve(FILE + AtomicFiles.TEMP_SUFFIX));
    Files.deleteIfExists(containerDir.resolve(FILE));
    Files.deleteIfExists(containerDir);
  }

  private Path file(String container) {
    return dir.resolve(container).resolve(FILE);
  }
}
