package io.corral.http;

import io.corral.actors.Containerizer;
import io.corral.actors.Containerizer.ContainerSnapshot;
import io.corral.actors.ContainerState;
import io.corral.proto.v1.ContainerID;
import io.corral.proto.v1.ResourceStatistics;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCodes;

/**
 * The JSON of the agent's GET endpoints, Mesos' "v0" views: {@code /state}, {@code /containers}
 * and {@code /monitor/statistics}. Each asks the containerizer once (and, for statistics, once
 * more per running container) and renders the replies; failures go to {@link ErrorMapping}.
 *
 * <p>A caller that may not view standalone containers ({@code mayView} false) sees none.
 *
 * <p>Differences from stock Mesos, which hides standalone containers from these endpoints:
 * Corral has only standalone containers, so it lists them. In {@code /monitor/statistics} a
 * standalone container appears with its container id as {@code executor_id}, {@code
 * executor_name} and {@code source}, and an empty {@code framework_id}. {@code /containers} and
 * {@code /monitor/statistics} list containers that are not yet terminated; {@code /state} lists
 * every container the agent knows, terminated ones with their termination.
 *
 * <p>Holds no mutable state; runs on the futures' completing threads.
 */
final class AgentViews {
  private final ActorRef<Containerizer.Command> containerizer;
  private final AgentInfo info;
  private final HttpSettings settings;
  private final ActorSystem<?> system;

  AgentViews(
      ActorRef<Containerizer.Command> containerizer,
      AgentInfo info,
      HttpSettings settings,
      ActorSystem<?> system) {
    this.containerizer = containerizer;
    this.info = info;
    this.settings = settings;
    this.system = system;
  }

  /** {@code GET /flags}: {@code {"flags": {name: value}}}, every value a string, as Mesos. */
  static HttpResponse flags(AgentInfo info) {
    JsonWriter out = new JsonWriter().beginObject().name("flags").beginObject();
    for (AgentInfo.Flag flag : info.flags()) {
      out.name(flag.name()).value(flag.value());
    }
    return json(out.endObject().endObject());
  }

  /**
   * {@code GET /version}: Mesos' {@code build_date}, {@code build_time}, {@code build_user},
   * {@code git_tag} (Corral's own version) and {@code version} (the Mesos API's).
   */
  static HttpResponse version(AgentInfo info) {
    return json(new JsonWriter().beginObject()
        .name("build_date").value(info.buildDate())
        .name("build_time").value(AgentInfo.seconds(info.buildTime()))
        .name("build_user").value(info.buildUser())
        .name("git_tag").value(info.corralVersion())
        .name("version").value(info.version())
        .endObject());
  }

  /**
   * {@code GET /state}: the agent's identity, its flags (when {@code mayViewFlags}, as Mesos'
   * {@code view_flags} decides) and every container it knows (when {@code mayView}).
   */
  CompletionStage<HttpResponse> state(boolean mayView, boolean mayViewFlags) {
    return withSnapshots("get state", mayView, snapshots -> {
      JsonWriter out = new JsonWriter().beginObject();
      out.name("version").value(info.version());
      out.name("corral_version").value(info.corralVersion());
      out.name("build_date").value(info.buildDate());
      out.name("build_time").value(AgentInfo.seconds(info.buildTime()));
      out.name("build_user").value(info.buildUser());
      out.name("start_time").value(AgentInfo.seconds(info.startTime()));
      out.name("id").value(info.agentId());
      out.name("pid").value(info.pid());
      out.name("hostname").value(info.hostname());
      if (mayViewFlags) {
        out.name("flags").beginObject();
        for (AgentInfo.Flag flag : info.flags()) {
          out.name(flag.name()).value(flag.value());
        }
        out.endObject();
      }
      out.name("attributes").beginObject().endObject();
      out.name("frameworks").beginArray().endArray();
      out.name("completed_frameworks").beginArray().endArray();
      out.name("containers").beginArray();
      for (ContainerSnapshot snapshot : snapshots) {
        out.beginObject();
        out.name("container_id").value(snapshot.id().getValue());
        out.name("state").value(snapshot.state().name());
        writeStatusAndStatistics(out, snapshot);
        if (snapshot.termination() != null && snapshot.termination().isPresent()) {
          out.name("termination");
          MesosJson.write(out, snapshot.termination().get());
        }
        out.endObject();
      }
      out.endArray();
      return json(out.endObject());
    });
  }

  /**
   * {@code GET /containers}: the running containers as {@code {container_id: "<string>", status,
   * statistics}}. {@code container_id} filters; {@code framework_id} and {@code executor_id} must
   * come together (400 otherwise) and match nothing, since no container has an executor.
   */
  CompletionStage<HttpResponse> containers(
      Optional<String> containerId, Optional<String> frameworkId, Optional<String> executorId,
      boolean mayView) {
    if (frameworkId.isPresent() != executorId.isPresent()) {
      return CompletableFuture.completedFuture(ErrorMapping.badRequest(
          "Both 'framework_id' and 'executor_id' should be specified"));
    }
    if (containerId.isPresent() && frameworkId.isPresent()) {
      return CompletableFuture.completedFuture(ErrorMapping.badRequest(
          "'container_id' cannot be specified with 'framework_id' and 'executor_id'"));
    }
    return withSnapshots("get containers", mayView, snapshots -> {
      JsonWriter out = new JsonWriter().beginArray();
      for (ContainerSnapshot snapshot : running(snapshots)) {
        if (frameworkId.isPresent()
            || containerId.filter(id -> !id.equals(snapshot.id().getValue())).isPresent()) {
          continue;
        }
        out.beginObject();
        out.name("container_id").value(snapshot.id().getValue());
        writeStatusAndStatistics(out, snapshot);
        out.endObject();
      }
      return json(out.endArray());
    });
  }

  /**
   * {@code GET /monitor/statistics}: a fresh {@code Usage} of every running container. A
   * container that ends or fails to answer meanwhile is left out, as Mesos drops failed usages.
   */
  CompletionStage<HttpResponse> statistics(boolean mayView) {
    return snapshots(mayView).thenCompose(snapshots -> {
      List<CompletableFuture<Optional<Containerizer.Statistics>>> usages = new ArrayList<>();
      for (ContainerSnapshot snapshot : running(snapshots)) {
        usages.add(usage(snapshot.id()));
      }
      return CompletableFuture.allOf(usages.toArray(CompletableFuture[]::new)).thenApply(done -> {
        JsonWriter out = new JsonWriter().beginArray();
        for (CompletableFuture<Optional<Containerizer.Statistics>> usage : usages) {
          usage.join().ifPresent(stats -> writeStatistics(out, stats.id(), stats.statistics()));
        }
        return json(out.endArray());
      });
    }).exceptionally(f -> ErrorMapping.fromFailure(f, "get statistics", settings.askTimeout()));
  }

  private static void writeStatistics(JsonWriter out, ContainerID id, ResourceStatistics stats) {
    out.beginObject();
    out.name("executor_id").value(id.getValue());
    out.name("executor_name").value(id.getValue());
    out.name("framework_id").value("");
    out.name("source").value(id.getValue());
    out.name("statistics");
    MesosJson.write(out, stats);
    out.endObject();
  }

  private CompletableFuture<Optional<Containerizer.Statistics>> usage(ContainerID id) {
    CompletionStage<Containerizer.UsageReply> reply = AskPattern.ask(containerizer,
        replyTo -> new Containerizer.Usage(id, replyTo), settings.askTimeout(), system.scheduler());
    return reply.toCompletableFuture()
        .thenApply(r -> r instanceof Containerizer.Statistics s ? Optional.of(s)
            : Optional.<Containerizer.Statistics>empty())
        .exceptionally(f -> Optional.empty());
  }

  private static void writeStatusAndStatistics(JsonWriter out, ContainerSnapshot snapshot) {
    if (snapshot.status() != null) {
      out.name("status");
      MesosJson.write(out, ApiResponses.status(snapshot));
    }
    if (snapshot.statistics() != null) {
      out.name("statistics");
      MesosJson.write(out, snapshot.statistics());
    }
  }

  private static List<ContainerSnapshot> running(List<ContainerSnapshot> snapshots) {
    return snapshots.stream().filter(s -> s.state() != ContainerState.TERMINATED).toList();
  }

  /** Every container, or none for a caller that may not view them (no ask then). */
  private CompletionStage<List<ContainerSnapshot>> snapshots(boolean mayView) {
    if (!mayView) {
      return CompletableFuture.completedFuture(List.of());
    }
    CompletionStage<Containerizer.Containers> reply = AskPattern.ask(containerizer,
        Containerizer.GetContainers::new, settings.askTimeout(), system.scheduler());
    return reply.thenApply(Containerizer.Containers::containers);
  }

  private CompletionStage<HttpResponse> withSnapshots(
      String verb, boolean mayView, Function<List<ContainerSnapshot>, HttpResponse> render) {
    return snapshots(mayView)
        .thenApply(render)
        .exceptionally(f -> ErrorMapping.fromFailure(f, verb, settings.askTimeout()));
  }

  private static HttpResponse json(JsonWriter out) {
    return HttpResponse.create()
        .withStatus(StatusCodes.OK)
        .withEntity(HttpEntities.create(ContentTypes.APPLICATION_JSON, out.toString()));
  }
}
