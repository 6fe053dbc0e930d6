package io.corral.posix;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The behaviour every {@link ProcFs} must show, run against the fake ({@code FakeProcFsTest})
 * and the real {@code /proc} ({@code NativeProcFsIT}): a parent with one child whose command
 * name contains spaces and parentheses.
 */
public abstract class ProcFsContract {

  /** A parent process and its one child, alive until closed. */
  public interface Tree extends AutoCloseable {
    int parent();

    int child();

    @Override
    void close();
  }

  /** The command name the child must carry (at most 15 characters, as the kernel keeps). */
  protected static final String CHILD_COMM = "sl) (x y";

  protected abstract ProcFs procFs();

  /** Starts a parent and a child named {@link #CHILD_COMM}, both running. */
  protected abstract Tree startTree();

  @Test
  void processesListsTheTreeWithItsParentLinks() {
    try (Tree tree = startTree()) {
      Map<Integer, ProcStat> all = procFs().processes().stream()
          .collect(Collectors.toMap(ProcStat::pid, Function.identity()));
      assertTrue(all.containsKey(tree.parent()), "parent listed");
      assertEquals(tree.parent(), all.get(tree.child()).ppid());
      assertEquals(all.get(tree.parent()).session(), all.get(tree.child()).session());
    }
  }

  @Test
  void statKeepsACommandNameWithSpacesAndParentheses() {
    try (Tree tree = startTree()) {
      ProcStat child = procFs().stat(tree.child()).orElseThrow();
      assertEquals(tree.child(), child.pid());
      assertEquals(CHILD_COMM, child.comm());
      assertEquals(tree.parent(), child.ppid());
      assertTrue(child.utimeTicks() >= 0 && child.stimeTicks() >= 0 && child.rssPages() >= 0);
    }
  }

  @Test
  void statOfAMissingProcessIsEmpty() {
    // Above the kernel's maximum pid_max (2^22), so never a live process.
    assertTrue(procFs().stat(4_194_305 + 7).isEmpty());
  }

  @Test
  void sysconfConstantsAreLinuxs() {
    assertEquals(100, procFs().clockTicksPerSecond(), "USER_HZ");
    long page = procFs().pageSize();
    assertTrue(page >= 4096 && Long.bitCount(page) == 1, "page size " + page);
  }
}
