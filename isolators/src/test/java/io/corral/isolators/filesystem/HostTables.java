package io.corral.isolators.filesystem;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The host tables a container must not change: the mount table and the SysV IPC tables. */
final class HostTables {
  private HostTables() {}

  static String mountTable() {
    try {
      return Files.readString(Path.of("/proc/self/mountinfo"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static String ipcTables() throws IOException {
    StringBuilder tables = new StringBuilder();
    for (String table : new String[] {"msg", "sem", "shm"}) {
      tables.append(Files.readString(Path.of("/proc/sysvipc", table)));
    }
    return tables.toString();
  }
}
