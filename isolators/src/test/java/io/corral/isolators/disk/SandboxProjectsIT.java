package io.corral.isolators.disk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.corral.isolators.IsolatorException;
import io.corral.posix.Linux;
import io.corral.posix.Quotas;
import io.corral.posix.testing.ScratchXfs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The project-id half of disk/xfs on the real kernel, which needs no quota support: a fresh XFS
 * image on a loop device (mounted without quota) holds the sandboxes. Ids are set and read by
 * ioctl, inherited by what a process creates later, cleared at release, and never reused while a
 * sandbox carries one, also by a new instance (an agent restart). Root only.
 */
@Tag("root")
class SandboxProjectsIT {
  private ScratchXfs xfs;
  private Quotas quotas;
  private Path sandboxes;

  @BeforeEach
  void mount() throws IOException {
    assumeTrue(Linux.nativeDefault().processes().geteuid() == 0,
        "needs root: makes a loop device and mounts XFS");
    quotas = Linux.nativeDefault().quotas();
    xfs = ScratchXfs.mount("sandbox-projects", false);
    sandboxes = Files.createDirectories(xfs.mountPoint().resolve("work/containers"));
  }

  @AfterEach
  void unmount() {
    if (xfs != null) {
      xfs.close();
    }
  }

  private SandboxProjects projects(String range) {
    return new SandboxProjects(quotas, sandboxes, ProjectRange.parse(range));
  }

  private Path sandbox(String id) throws IOException {
    return Files.createDirectories(sandboxes.resolve(id));
  }

  @Test
  void anAssignedIdCoversExistingContentsAndWhatAProcessCreatesLater() throws Exception {
    Path a = sandbox("a");
    Path old = Files.writeString(Files.createDirectories(a.resolve("old/dir")).resolve("f"), "x");
    Path outside = Files.createDirectories(xfs.mountPoint().resolve("outside"));
    Files.createSymbolicLink(a.resolve("link"), outside);
    Process mkfifo = new ProcessBuilder("mkfifo", a.resolve("fifo").toString()).start();
    assertTrue(mkfifo.waitFor(30, TimeUnit.SECONDS) && mkfifo.exitValue() == 0);

    assertEquals(5000, projects("[5000-10000]").assign(a));
    assertEquals(new Quotas.Project(5000, true), quotas.project(a));
    assertEquals(new Quotas.Project(5000, true), quotas.project(old.getParent()));
    assertEquals(new Quotas.Project(5000, false), quotas.project(old));
    assertEquals(new Quotas.Project(0, false), quotas.project(outside), "symlinks are not followed");

    // A file and a directory made by another process, after the assignment, carry the id.
    Process sh = new ProcessBuilder("sh", "-c", "mkdir new && echo hi > new/file")
        .directory(a.toFile()).start();
    assertTrue(sh.waitFor(30, TimeUnit.SECONDS) && sh.exitValue() == 0);
    assertEquals(new Quotas.Project(5000, true), quotas.project(a.resolve("new")));
    assertEquals(new Quotas.Project(5000, false), quotas.project(a.resolve("new/file")));
  }

  @Test
  void releaseClearsEveryFileAndTheIdIsHandedOutAgain() throws IOException {
    SandboxProjects projects = projects("[5000-10000]");
    Path a = sandbox("a");
    long id = projects.assign(a);
    Path file = Files.writeString(Files.createDirectory(a.resolve("d")).resolve("f"), "x");
    assertEquals(5000, quotas.project(file).id());
    projects.release(a, id);
    assertEquals(new Quotas.Project(0, false), quotas.project(a));
    assertEquals(new Quotas.Project(0, false), quotas.project(a.resolve("d")));
    assertEquals(0, quotas.project(file).id());
    assertEquals(5000, projects.assign(sandbox("b")));
  }

  @Test
  void idsCarriedBySandboxesAreNotReusedByANewInstance() throws IOException {
    SandboxProjects before = projects("[5000-10000]");
    before.assign(sandbox("a"));
    before.assign(sandbox("b"));
    // An agent restart: a new instance scans the sandboxes' ids from the file system.
    SandboxProjects after = projects("[5000-10000]");
    assertEquals(2, after.scan().size());
    assertEquals(5002, after.assign(sandbox("c")));
    assertEquals(5002, quotas.project(sandboxes.resolve("c")).id());
  }

  @Test
  void anExhaustedRangeReclaimsOnlyTheIdsOfDeletedSandboxes() throws IOException {
    SandboxProjects projects = projects("[7-8]");
    projects.assign(sandbox("a"));
    Path b = sandbox("b");
    projects.assign(b);
    Path c = sandbox("c");
    assertEquals("Failed to assign project ID, range exhausted",
        assertThrows(IsolatorException.class, () -> projects.assign(c)).getMessage());
    assertEquals(0, quotas.project(c).id());
    Files.delete(b);
    assertEquals(8, projects.assign(c));
  }
}
