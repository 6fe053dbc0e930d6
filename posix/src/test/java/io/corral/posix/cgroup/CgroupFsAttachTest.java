package io.corral.posix.cgroup;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link CgroupFs#attach}: a process already listed is not moved again (no pid write). */
class CgroupFsAttachTest {
  /** A one-cgroup hierarchy that records every write and lists the pids it was given. */
  private static final class Recording implements CgroupFs {
    final List<Integer> listed = new ArrayList<>();
    final List<String> writes = new ArrayList<>();

    @Override
    public Path root() {
      return Path.of("/sys/fs/cgroup/pids");
    }

    @Override
    public boolean exists(String cgroup) {
      return true;
    }

    @Override
    public void mkdir(String cgroup) {}

    @Override
    public void rmdir(String cgroup) {}

    @Override
    public void write(String cgroup, String file, String value) {
      writes.add(cgroup + "/" + file + "=" + value);
      listed.add(Integer.parseInt(value));
    }

    @Override
    public String read(String cgroup, String file) {
      return "";
    }

    @Override
    public List<String> children(String cgroup) {
      return List.of();
    }

    @Override
    public List<Integer> procs(String cgroup) {
      return List.copyOf(listed);
    }
  }

  @Test
  void aProcessThatJoinedByItselfIsLeftWhereItIs() {
    Recording fs = new Recording();
    fs.listed.add(42);
    fs.attach("corral/c1", 42);
    assertEquals(List.of(), fs.writes);
  }

  @Test
  void anyOtherProcessIsAssignedByPid() {
    Recording fs = new Recording();
    fs.listed.add(7);
    fs.attach("corral/c1", 42);
    assertEquals(List.of("corral/c1/cgroup.procs=42"), fs.writes);
  }
}
