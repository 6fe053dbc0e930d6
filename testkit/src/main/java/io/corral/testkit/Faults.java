package io.corral.testkit;

import io.corral.isolators.Isolator;
import io.corral.isolators.IsolatorException;
import io.corral.isolators.Phase;
import io.corral.posix.Errno;
import io.corral.posix.Linux;
import io.corral.posix.launch.Launcher;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fault injection into a Corral containerizer, for Corral's own tests and for the tests of
 * anyone who embeds it: one {@code Faults} holds the rules, and its {@code wrap} methods put them
 * between the containerizer and the real parts, as decorators.
 *
 * <pre>{@code
 * Faults faults = new Faults();
 * faults.inject("cgroups/mem", Phase.ISOLATE, Fault.HANG).forContainer("doomed");
 * ContainerizerSettings host = ContainerizerSettings.forHost(workDir, runtimeDir, isolation);
 * ContainerizerSettings settings = host
 *     .withIsolators(faults.wrap(host.isolators()))
 *     .withLauncher(faults.wrap(host.launcher()))
 *     .withIsolatorPhaseTimeout(Duration.ofSeconds(2));
 * // ... spawn Containerizer.create(settings), launch 'doomed', expect its termination ...
 * faults.releaseAll();   // in the test's teardown: let every hung call return
 * }</pre>
 *
 * <p>What can be injected:
 *
 * <ul>
 *   <li>{@link #inject}: any phase of a named isolator fails, throws or hangs ({@link Fault});
 *   <li>{@link #dieBeforeExec}: the container's init is SIGKILLed after it was isolated, as it
 *       is released, so the launch ends with {@code corral-init exited before exec};
 *   <li>{@link #failCgroupWrite}: a write to a cgroup control file fails with a chosen errno,
 *       through {@link #wrap(Linux)} (build the isolators on the wrapped facade, e.g. with
 *       {@code ContainerizerSettings.forHost(faults.wrap(linux), ...)});
 *   <li>{@code du} that hangs or fails: {@link FaultyDu#install}, a stand-in executable for a
 *       disk isolator configured with a {@code du} command path.
 * </ul>
 *
 * <p>Every rule applies to every container unless narrowed with {@link Rule#forContainer}, and to
 * every matching call unless limited with {@link Rule#times}; {@link Rule#injected} counts the
 * hits. Thread-safe: rules are read on the containerizer's blocking threads while a test adds
 * them.
 */
public final class Faults {
  private static final Logger LOG = LoggerFactory.getLogger(Faults.class);

  /** What a rule hits. */
  enum Kind { ISOLATOR, DIE_BEFORE_EXEC, CGROUP_WRITE }

  private final List<Rule> rules = new CopyOnWriteArrayList<>();
  private final CountDownLatch released = new CountDownLatch(1);
  private final AtomicInteger hanging = new AtomicInteger();
  private final Object hangs = new Object();
  private int hangsEntered;

  /**
   * One injected fault: where it strikes and how often. Narrow it with the fluent methods right
   * after creating it.
   */
  public static final class Rule {
    final Kind kind;
    final String target;
    final Phase phase;
    final Fault fault;
    final Errno errno;
    private volatile String container;
    private final AtomicInteger remaining = new AtomicInteger(-1);
    private final AtomicInteger injected = new AtomicInteger();

    Rule(Kind kind, String target, Phase phase, Fault fault, Errno errno) {
      this.kind = kind;
      this.target = target;
      this.phase = phase;
      this.fault = fault;
      this.errno = errno;
    }

    /** Only calls for this container id are hit; its neighbours are left alone. */
    public Rule forContainer(String id) {
      this.container = Objects.requireNonNull(id);
      return this;
    }

    /** Only the first {@code n} matching calls are hit (n > 0); later ones pass through. */
    public Rule times(int n) {
      if (n <= 0) {
        throw new IllegalArgumentException("A fault must strike at least once, not " + n + " times");
      }
      remaining.set(n);
      return this;
    }

    /** How many calls this rule has hit so far. */
    public int injected() {
      return injected.get();
    }

    /** Whether the rule hits this call, counting the hit if so. */
    boolean strikes(Kind kind, String target, Phase phase, String containerId) {
      if (this.kind != kind || !Objects.equals(this.target, target) || this.phase != phase) {
        return false;
      }
      String only = container;
      if (only != null && (containerId == null || !(kind == Kind.CGROUP_WRITE
          ? java.util.Arrays.asList(containerId.split("/")).contains(only) : containerId.equals(only)))) {
        return false;
      }
      while (true) {
        int left = remaining.get();
        if (left == 0) {
          return false;
        }
        if (left < 0 || remaining.compareAndSet(left, left - 1)) {
          injected.incrementAndGet();
          return true;
        }
      }
    }

    @Override
    public String toString() {
      return kind + " " + target + (phase == null ? "" : " " + phase) + " " + fault
          + (errno == null ? "" : " " + errno) + (container == null ? "" : " for '" + container + "'");
    }
  }

  /** Makes {@code phase} of the isolator named {@code isolator} fail, throw or hang. */
  public Rule inject(String isolator, Phase phase, Fault fault) {
    return add(new Rule(Kind.ISOLATOR, Objects.requireNonNull(isolator), Objects.requireNonNull(phase),
        Objects.requireNonNull(fault), null));
  }

  /** SIGKILLs the init of launched containers when they are released, before the command's exec. */
  public Rule dieBeforeExec() {
    return add(new Rule(Kind.DIE_BEFORE_EXEC, null, null, Fault.FAIL, null));
  }

  /**
   * Makes writes to the cgroup control file {@code file} (e.g. {@code memory.limit_in_bytes},
   * {@code cgroup.procs}) fail with {@code errno}; {@link Rule#forContainer} matches cgroups whose
   * name contains the id.
   */
  public Rule failCgroupWrite(String file, Errno errno) {
    return add(new Rule(Kind.CGROUP_WRITE, Objects.requireNonNull(file), null, Fault.FAIL,
        Objects.requireNonNull(errno)));
  }

  private Rule add(Rule rule) {
    rules.add(rule);
    return rule;
  }

  /** Removes every rule; hung calls stay hung until {@link #releaseAll}. */
  public void clear() {
    rules.clear();
  }

  /** Each isolator wrapped so that this object's rules apply to it, in the same order. */
  public List<Isolator> wrap(List<Isolator> isolators) {
    return isolators.stream().map(this::wrap).toList();
  }

  public Isolator wrap(Isolator isolator) {
    return new FaultyIsolator(isolator, this);
  }

  /** The launcher wrapped so that {@link #dieBeforeExec} rules apply to it. */
  public Launcher wrap(Launcher launcher) {
    return new FaultyLauncher(launcher, this);
  }

  /** The kernel facade with its cgroup files wrapped so that {@link #failCgroupWrite} applies. */
  public Linux wrap(Linux linux) {
    return FaultyCgroupFs.wrap(linux, this);
  }

  /** Lets every hung call return (failing), now and from now on; call it in a test's teardown. */
  public void releaseAll() {
    released.countDown();
  }

  /** How many calls are hung right now. */
  public int hanging() {
    return hanging.get();
  }

  /**
   * Waits until {@code count} calls in all have hung since this object was created.
   *
   * @return false when that did not happen within {@code timeout}
   */
  public boolean awaitHangs(int count, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (hangs) {
      while (hangsEntered < count) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return false;
        }
        TimeUnit.NANOSECONDS.timedWait(hangs, left);
      }
      return true;
    }
  }

  /** The first rule that strikes this call, or null. */
  Rule strike(Kind kind, String target, Phase phase, String containerId) {
    for (Rule rule : rules) {
      if (rule.strikes(kind, target, phase, containerId)) {
        LOG.info("Injecting fault [{}] into container '{}'", rule, containerId);
        return rule;
      }
    }
    return null;
  }

  /** Applies an isolator rule's fault to the calling thread: throws, or hangs and then throws. */
  void apply(Rule rule, String isolator, Phase phase) {
    switch (rule.fault) {
      case FAIL -> throw new IsolatorException("injected failure");
      case THROW -> throw new IllegalStateException("injected exception");
      case HANG -> {
        hang(isolator, phase);
        throw new IsolatorException("injected hang was released");
      }
    }
  }

  /** Blocks, ignoring interrupts, until {@link #releaseAll}. */
  private void hang(String isolator, Phase phase) {
    hanging.incrementAndGet();
    synchronized (hangs) {
      hangsEntered++;
      hangs.notifyAll();
    }
    LOG.info("Hanging isolator '{}' in phase {} until released", isolator, phase);
    boolean interrupted = false;
    try {
      while (true) {
        try {
          released.await();
          break;
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
    } finally {
      hanging.decrementAndGet();
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
