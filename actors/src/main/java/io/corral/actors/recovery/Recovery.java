package io.corral.actors.recovery;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Parser;
import io.corral.actors.ContainerizerSettings;
import io.corral.actors.Layout;
import io.corral.actors.container.IsolatorActor;
import io.corral.actors.container.PhaseTimeouts;
import io.corral.actors.launch.Checkpoints;
import io.corral.actors.recovery.RecoveryDecision.Outcome;
import io.corral.actors.recovery.RecoveryDecision.Read;
import io.corral.isolators.ContainerContext;
import io.corral.isolators.Isolator;
import io.corral.posix.Linux;
import io.corral.posix.LinuxException;
import io.corral.posix.ProcStat;
import io.corral.posix.launch.LaunchException;
import io.corral.posix.launch.LaunchedContainer;
import io.corral.proto.v1.ContainerConfig;
import io.corral.proto.v1.ContainerID;
import io.corral.proto.v1.ContainerPids;
import io.corral.proto.v1.ContainerTermination;
import io.corral.proto.v1.agent.Call;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads back what a previous agent left under {@code --work_dir}/{@code --runtime_dir} (the
 * layout of {@link Layout}) and gets every container ready to be rebuilt: one {@link Found} per
 * runtime directory, decided by {@link RecoveryDecision}, with the adopted init of each running
 * one. On the way it destroys orphans: sandboxes without a runtime directory, half-written
 * checkpoints, and corral-init processes that hold files of our containers but that no adopted
 * container explains; then it lets every isolator {@link Isolator#recover recover} (which
 * re-adopts their state and removes their own orphans, such as cgroups under the agent's root),
 * each within {@code --isolator_phase_timeout}. A container whose checkpoints cannot be read
 * costs only that container; an isolator whose recover fails or times out costs the containers
 * it names, or every re-adopted one when it names none.
 *
 * <p>Threading: {@link #run} blocks (file and /proc reads, kills) and is called once, on the
 * blocking dispatcher, before the containerizer serves anything.
 */
public final class Recovery {
  private static final Logger LOG = LoggerFactory.getLogger(Recovery.class);

  /** One recovered container: what it is, what becomes of it, and its adopted init if alive. */
  public record Found(ContainerContext container, Outcome outcome, Optional<LaunchedContainer> adopted) {}

  private final ContainerizerSettings settings;
  private final Layout paths;
  private final boolean cleanup;

  public Recovery(ContainerizerSettings settings, Layout paths, boolean cleanup) {
    this.settings = settings;
    this.paths = paths;
    this.cleanup = cleanup;
  }

  /** Recovers every container under the runtime directory; never throws for one container. */
  public List<Found> run() {
    List<String> isolators = settings.isolators().stream().map(Isolator::name).toList();
    Set<String> ids = children(paths.runtimes());
    List<Found> found = new ArrayList<>();
    for (String id : ids) {
      found.add(recover(id, isolators));
    }
    removeOrphanSandboxes(ids);
    StrayInits.kill(settings.linux(), paths, found);
    Set<String> adopted = new TreeSet<>();
    found.forEach(f -> f.adopted().ifPresent(c -> adopted.add(f.container().name())));
    try {
      settings.launcher().recovered(adopted);
    } catch (RuntimeException e) {
      LOG.error("Failed to clean up after the launcher's recovery: {}", e.getMessage());
    }
    return recoverIsolators(found);
  }

  private Found recover(String id, List<String> isolators) {
    deleteTemporaries(paths.runtime(id));
    Read<ContainerConfig> config = read(paths.config(id), ContainerConfig.parser());
    Read<ContainerPids> pids = read(paths.pids(id), ContainerPids.parser());
    Read<ContainerTermination> termination = read(paths.termination(id), ContainerTermination.parser());
    ContainerID containerId = ContainerID.newBuilder().setValue(id).build();
    Call.LaunchContainer launch = config.value().map(ContainerConfig::getLaunch)
        .orElse(Call.LaunchContainer.newBuilder().setContainerId(containerId).build());
    ContainerContext container = new ContainerContext(containerId, launch, paths.sandbox(id), paths.runtime(id),
        config.value().filter(ContainerConfig::hasRootfs).map(ContainerConfig::getRootfs));
    RecoveryDecision.Init init = RecoveryDecision.Init.NOT_PROBED;
    Optional<LaunchedContainer> adopted = Optional.empty();
    if (RecoveryDecision.needsProbe(config, pids, termination, isolators)) {
      ContainerPids p = pids.value().orElseThrow();
      try {
        adopted = settings.launcher().recover(id, config.value().get().getPlan(), p.getInitPid(),
            p.getHelperPid(), p.getInitStartTicks());
        init = adopted.isPresent() ? RecoveryDecision.Init.ALIVE : RecoveryDecision.Init.GONE;
      } catch (LaunchException | LinuxException e) {
        LOG.warn("Failed to recover container [{}]: {}", id, e.getMessage());
        return new Found(container, RecoveryDecision.failed(
            "Failed to recover container '" + id + "': " + e.getMessage()), Optional.empty());
      }
    }
    Outcome outcome = RecoveryDecision.decide(id, config, pids, termination, isolators, init,
        readStatus(paths.status(id)), cleanup);
    LOG.info("Recovering container [{}]: {}", id, describe(outcome));
    return new Found(container, outcome, adopted);
  }

  /** Isolators re-adopt every container not yet terminated; a failure destroys those it would adopt. */
  private List<Found> recoverIsolators(List<Found> found) {
    List<ContainerContext> live = found.stream()
        .filter(f -> !(f.outcome() instanceof RecoveryDecision.Terminated))
        .map(Found::container).toList();
    List<String> failures = new ArrayList<>();
    for (Isolator isolator : settings.isolators()) {
      recoverWithin(isolator, live).ifPresent(error -> {
        LOG.error("Failed to recover isolator '{}': {}", isolator.name(), error);
        failures.add("Failed to recover isolator '" + isolator.name() + "': " + error);
      });
    }
    if (failures.isEmpty()) {
      return found;
    }
    // The containers a failure names lose; when it names none, no adopted one can be trusted.
    boolean anyNamed = found.stream().anyMatch(f -> named(failures, f));
    return found.stream().map(f -> !(f.outcome() instanceof RecoveryDecision.Adopt) || (anyNamed && !named(failures, f))
        ? f : new Found(f.container(), RecoveryDecision.failed("Failed to recover container '"
            + f.container().name() + "': " + String.join("; ", failures)), f.adopted())).toList();
  }

  /**
   * Runs {@code isolator.recover} on a thread of its own and waits for it at most the phase
   * timeout, so that a hung isolator cannot keep the agent recovering (and its API at 503)
   * forever: a recover still running then is abandoned (its thread stays blocked until it
   * returns) and counts as failed. The error, if any.
   */
  private Optional<String> recoverWithin(Isolator isolator, List<ContainerContext> live) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    Thread thread = new Thread(() -> {
      try {
        isolator.recover(live);
        done.complete(null);
      } catch (RuntimeException | Error e) {
        done.completeExceptionally(e);
      }
    }, "corral-recover-" + isolator.name());
    thread.setDaemon(true);
    thread.start();
    Duration timeout = settings.isolatorPhaseTimeout();
    try {
      done.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
      return Optional.empty();
    } catch (TimeoutException e) {
      return Optional.of(IsolatorActor.TIMED_OUT + PhaseTimeouts.format(timeout));
    } catch (ExecutionException e) {
      return Optional.of(String.valueOf(e.getCause().getMessage()));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.of("interrupted");
    }
  }

  private static boolean named(List<String> failures, Found f) {
    return failures.stream().anyMatch(m -> m.contains("'" + f.container().name() + "'")
        || m.contains("/" + f.container().name() + "/"));
  }

  /** A sandbox whose runtime directory is gone (a reboot, or a crash during Remove). */
  private void removeOrphanSandboxes(Set<String> known) {
    for (String id : children(paths.sandboxes())) {
      if (!known.contains(id)) {
        LOG.info("Removing orphan sandbox '{}'", paths.sandbox(id));
        try {
          Checkpoints.deleteRecursively(paths.sandbox(id));
        } catch (IOException e) {
          LOG.error("Failed to remove orphan sandbox '{}': {}", paths.sandbox(id), e.toString());
        }
      }
    }
  }

  private static String describe(Outcome outcome) {
    if (outcome instanceof RecoveryDecision.Adopt) {
      return "re-adopting its running init";
    } else if (outcome instanceof RecoveryDecision.Ended e) {
      return "it ended while the agent was down (status " + e.status() + ")";
    } else if (outcome instanceof RecoveryDecision.Terminated) {
      return "it had terminated";
    }
    return "destroying it: " + ((RecoveryDecision.Destroy) outcome).termination().getMessage();
  }

  private static <T> Read<T> read(Path file, Parser<T> parser) {
    try {
      return Read.of(parser.parseFrom(Files.readAllBytes(file)));
    } catch (NoSuchFileException e) {
      return Read.missing();
    } catch (InvalidProtocolBufferException e) {
      return Read.failed("corrupt checkpoint: " + e.getMessage());
    } catch (IOException e) {
      return Read.failed(e.toString());
    }
  }

  /** The command's raw wait status as corral-init recorded it, if it did. */
  static OptionalInt readStatus(Path status) {
    try {
      String text = Files.readString(status).trim();
      return text.isEmpty() ? OptionalInt.empty() : OptionalInt.of(Integer.parseInt(text));
    } catch (IOException | NumberFormatException e) {
      return OptionalInt.empty();
    }
  }

  private static void deleteTemporaries(Path dir) {
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir, "*" + Checkpoints.TEMP_SUFFIX)) {
      for (Path temp : entries) {
        LOG.info("Removing half-written checkpoint '{}'", temp);
        Files.deleteIfExists(temp);
      }
    } catch (IOException e) {
      LOG.warn("Failed to look for half-written checkpoints in '{}': {}", dir, e.toString());
    }
  }

  /** The names of the directories in {@code dir}, sorted; none if it does not exist. */
  private static Set<String> children(Path dir) {
    Set<String> names = new TreeSet<>();
    if (!Files.isDirectory(dir)) {
      return names;
    }
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir, Files::isDirectory)) {
      entries.forEach(e -> names.add(e.getFileName().toString()));
    } catch (IOException e) {
      LOG.error("Failed to list '{}': {}", dir, e.toString());
    }
    return names;
  }
}
