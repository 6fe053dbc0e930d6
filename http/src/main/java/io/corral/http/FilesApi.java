package io.corral.http;

import io.corral.actors.Containerizer;
import io.corral.actors.files.FilesException;
import io.corral.actors.files.FilesException.Kind;
import io.corral.actors.files.SandboxFiles;
import io.corral.http.security.Action;
import io.corral.http.security.HttpSecurity;
import io.corral.http.security.HttpSecurity.Caller;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.stream.Collectors;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCodes;

/**
 * The files service as the HTTP side sees it ({@code /files/*}, LIST_FILES, READ_FILE): which
 * sandboxes are attached (every container the containerizer knows, asked once per request),
 * whether the caller may see what a path names (a sandbox: {@code view_standalone_containers}
 * of the container; the agent log: {@code access_mesos_logs}), checked before the file system is
 * touched as Mesos does, and then the work of {@link SandboxFiles} on the blocking dispatcher.
 * A failure completes the stage with a {@link FilesException}, which {@link #response} maps to
 * Mesos' statuses: invalid 400, unauthorized 403, not found 404, anything else 500.
 *
 * <p>Threading: any; holds no mutable state.
 */
final class FilesApi {
  /** One piece of work on a resolved target; it may block. */
  interface Work<T> {
    T apply(SandboxFiles.Target target) throws FilesException;
  }

  private final SandboxFiles files;
  private final ActorRef<Containerizer.Command> containerizer;
  private final ActorSystem<?> system;
  private final HttpSettings settings;
  private final HttpSecurity security;
  private final Executor blocking;

  FilesApi(SandboxFiles files, ActorRef<Containerizer.Command> containerizer,
      ActorSystem<?> system, HttpSettings settings, HttpSecurity security) {
    this.files = files;
    this.containerizer = containerizer;
    this.system = system;
    this.settings = settings;
    this.security = security;
    this.blocking = system.dispatchers().lookup(
        DispatcherSelector.fromConfig(io.corral.actors.container.IsolatorActor.BLOCKING_DISPATCHER));
  }

  /** {@code work} on what {@code path} names, once the caller is known to be allowed it. */
  <T> CompletionStage<T> on(String path, Caller caller, Work<T> work) {
    return known().thenApplyAsync(ids -> {
      Optional<SandboxFiles.Target> target = files.attached(path, ids);
      try {
        if (target.isEmpty()) {
          throw new FilesException(Kind.NOT_FOUND,
              "Failed to find '" + path + "': no file of an attached sandbox or log is there");
        }
        if (!allowed(target.get(), caller)) {
          throw new FilesException(Kind.UNAUTHORIZED, "403 Forbidden.");
        }
        return work.apply(target.get());
      } catch (FilesException e) {
        if (e.kind() == Kind.NOT_FOUND && e.getMessage().isEmpty()) {
          throw new CompletionException(new FilesException(Kind.NOT_FOUND,
              "Failed to find '" + path + "': No such file or directory"));
        }
        throw new CompletionException(e);
      }
    }, blocking);
  }

  /** The virtual paths attached for what the caller may see ({@code /files/debug}). */
  CompletionStage<Map<String, String>> debug(Caller caller) {
    boolean view = security.approved(Action.VIEW_STANDALONE_CONTAINER, caller);
    boolean log = security.approved(Action.ACCESS_MESOS_LOG, caller);
    return known().thenApply(ids -> files.debug(view ? ids : Set.of()).entrySet().stream()
        .filter(e -> log || !e.getKey().equals(SandboxFiles.AGENT_LOG))
        .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue, (a, b) -> a,
            java.util.TreeMap::new)));
  }

  /** The response for a failed stage: its {@link FilesException}, or a timeout. */
  static HttpResponse response(Throwable failure, String verb, HttpSettings settings) {
    Throwable t = failure;
    while (t instanceof CompletionException && t.getCause() != null) {
      t = t.getCause();
    }
    if (!(t instanceof FilesException e)) {
      return ErrorMapping.fromFailure(failure, verb, settings.askTimeout());
    }
    return switch (e.kind()) {
      case INVALID -> ErrorMapping.badRequest(e.getMessage());
      case UNAUTHORIZED -> ErrorMapping.forbidden();
      case NOT_FOUND -> ErrorMapping.plain(StatusCodes.NOT_FOUND, "files.notfound", e.getMessage());
      case UNKNOWN -> ErrorMapping.plain(StatusCodes.INTERNAL_SERVER_ERROR, "files.unreadable",
          e.getMessage());
    };
  }

  HttpSettings settings() {
    return settings;
  }

  SandboxFiles sandboxFiles() {
    return files;
  }

  private boolean allowed(SandboxFiles.Target target, Caller caller) {
    return security.approved(target instanceof SandboxFiles.AgentLog
        ? Action.ACCESS_MESOS_LOG : Action.VIEW_STANDALONE_CONTAINER, caller);
  }

  private CompletionStage<Set<String>> known() {
    CompletionStage<Containerizer.Containers> reply = AskPattern.ask(containerizer,
        Containerizer.GetContainers::new, settings.askTimeout(), system.scheduler());
    return reply.thenApply(c -> c.containers().stream()
        .map(s -> s.id().getValue())
        .collect(Collectors.toUnmodifiableSet()));
  }
}
