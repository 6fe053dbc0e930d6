package io.corral.posix.cgroup;

import io.corral.posix.nativeimpl.IoErrors;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * {@link CgroupFs} on the real cgroup filesystem, through plain file I/O (no libc needed: cgroupfs
 * is driven by mkdir, rmdir, read and write). Thread-safe; every call blocks the caller.
 */
public final class NativeCgroupFs implements CgroupFs {
  private final Path root;

  public NativeCgroupFs(Path root) {
    this.root = root;
  }

  @Override
  public Path root() {
    return root;
  }

  private Path dir(String cgroup) {
    return root.resolve(CgroupFs.checkName(cgroup));
  }

  @Override
  public boolean exists(String cgroup) {
    return Files.isDirectory(dir(cgroup));
  }

  @Override
  public void mkdir(String cgroup) {
    Path dir = dir(cgroup);
    try {
      Files.createDirectory(dir);
    } catch (IOException e) {
      throw IoErrors.toLinux("mkdir", dir, e);
    }
  }

  @Override
  public void rmdir(String cgroup) {
    Path dir = dir(cgroup);
    try {
      // NOTE: Files.delete lstat()s the path and calls rmdir(2) for a directory; cgroupfs
      // allows rmdir although the directory lists control files.
      Files.delete(dir);
    } catch (IOException e) {
      throw IoErrors.toLinux("rmdir", dir, e);
    }
  }

  @Override
  public void write(String cgroup, String file, String value) {
    Path path = dir(cgroup).resolve(file);
    // No O_CREAT: a control file that does not exist is ENOENT, not a new regular file.
    try (FileChannel channel = FileChannel.open(path, StandardOpenOption.WRITE)) {
      ByteBuffer bytes = ByteBuffer.wrap(value.getBytes(StandardCharsets.US_ASCII));
      while (bytes.hasRemaining()) {
        channel.write(bytes);
      }
    } catch (IOException e) {
      throw IoErrors.toLinux("write", path, e);
    }
  }

  @Override
  public String read(String cgroup, String file) {
    Path path = dir(cgroup).resolve(file);
    try {
      String content = Files.readString(path, StandardCharsets.US_ASCII);
      return content.endsWith("\n") ? content.substring(0, content.length() - 1) : content;
    } catch (IOException e) {
      throw IoErrors.toLinux("read", path, e);
    }
  }

  @Override
  public List<Integer> procs(String cgroup) {
    List<Integer> pids = new ArrayList<>();
    for (String line : read(cgroup, "cgroup.procs").split("\n")) {
      if (!line.isBlank()) {
        pids.add(Integer.parseInt(line.trim()));
      }
    }
    return pids;
  }
}
