package io.corral.http;

import io.corral.actors.Containerizer;
import io.corral.http.ApiCodec.Encoding;
import io.corral.http.ApiCodec.Result;
import io.corral.http.security.Action;
import io.corral.http.security.HttpSecurity;
import io.corral.http.security.HttpSecurity.Caller;
import io.corral.proto.v1.ContainerID;
import io.corral.proto.v1.agent.Call;
import io.corral.proto.v1.agent.Response;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.http.javadsl.model.HttpMethods;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCode;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves {@code POST /api/v1}: checks the request in Mesos' order (recovering 503, method 405,
 * {@code Content-Type} 400/415, then the body: size 413 (see {@link BodyReader}), decoding 400,
 * validation 400, and {@code Accept} 406), then turns the call into one ask of the containerizer
 * and the reply into a response. Failures of the ask go to {@link ErrorMapping}; nothing here
 * catches per call. Unknown call types are 501; known ones that Corral does not serve (GET_STATE,
 * the nested-container calls, ...) are 501 "is not supported". The files, metrics and logging
 * calls are {@link ObservationCalls}'. Authentication
 * happened before ({@link AgentRoutes}); a valid call that the ACLs refuse its caller is 403
 * and reaches no actor, and GET_CONTAINERS lists nothing to a caller that may not view
 * standalone containers, as Mesos' agent does.
 *
 * <p>Runs on Pekko HTTP's dispatcher and the futures' completing threads; it holds no mutable
 * state.
 */
final class AgentApi {
  static final int SIGKILL = 9;
  private static final Logger LOG = LoggerFactory.getLogger(AgentApi.class);

  private final ActorRef<Containerizer.Command> containerizer;
  private final AgentInfo info;
  private final HttpSettings settings;
  private final ActorSystem<?> system;
  private final BooleanSupplier ready;
  private final HttpSecurity security;
  private final ObservationCalls observation;

  AgentApi(
      ActorRef<Containerizer.Command> containerizer,
      AgentInfo info,
      HttpSettings settings,
      ActorSystem<?> system,
      BooleanSupplier ready,
      HttpSecurity security,
      ObservationCalls observation) {
    this.security = security;
    this.observation = observation;
    this.containerizer = containerizer;
    this.info = info;
    this.settings = settings;
    this.system = system;
    this.ready = ready;
  }

  /**
   * Answers {@code refusal} (a 401) to a request that carries no valid credentials, once its
   * body has been drained, so that the client reads the refusal rather than a reset.
   */
  CompletionStage<HttpResponse> refuse(HttpRequest request, HttpResponse refusal) {
    OptionalLong length = request.entity().getContentLengthOption();
    if (length.isPresent() && length.getAsLong() > BodyReader.drainCap(settings.maxRequestBytes())) {
      return done(refusal);
    }
    return afterDraining(request, settings.maxRequestBytes(), refusal);
  }

  /** The response to one request to {@code /api/v1} from {@code caller}. */
  CompletionStage<HttpResponse> handle(HttpRequest request, Caller caller) {
    long max = settings.maxRequestBytes();
    OptionalLong length = request.entity().getContentLengthOption();
    if (length.isPresent() && length.getAsLong() > BodyReader.drainCap(max)) {
      return done(ErrorMapping.tooLarge(max));
    }
    if (!ready.getAsBoolean()) {
      return afterDraining(request, max, ErrorMapping.recovering());
    }
    if (!request.method().equals(HttpMethods.POST)) {
      return afterDraining(request, max, ErrorMapping.postOnly(request.method().value()));
    }
    Result<Encoding> encoding = ApiCodec.requestEncoding(request);
    if (encoding.refusal() != null) {
      return afterDraining(request, max, encoding.refusal());
    }
    return BodyReader.read(request.entity(), max, settings.askTimeout(), system)
        .handle((body, failure) -> {
          if (failure != null) {
            return done(
                ErrorMapping.fromFailure(failure, "read request body", settings.askTimeout()));
          }
          return body.tooLarge()
              ? done(ErrorMapping.tooLarge(max))
              : serve(request, encoding.value(), body.bytes(), caller);
        })
        .thenCompose(Function.identity());
  }

  /**
   * Answers {@code refusal} once the body has been read (and dropped) up to the drain cap: a
   * client still sending a large body when the agent answers and closes would otherwise see a
   * connection reset instead of the refusal.
   */
  private CompletionStage<HttpResponse> afterDraining(
      HttpRequest request, long max, HttpResponse refusal) {
    return BodyReader.read(request.entity(), max, settings.askTimeout(), system)
        .handle((body, failure) -> refusal);
  }

  private CompletionStage<HttpResponse> serve(
      HttpRequest request, Encoding in, byte[] body, Caller caller) {
    Result<Call> call = ApiCodec.decode(in, body);
    if (call.refusal() != null) {
      return done(call.refusal());
    }
    Optional<String> invalid = CallValidation.validate(call.value());
    if (invalid.isPresent()) {
      return done(ErrorMapping.badRequest("Failed to validate agent::Call: " + invalid.get()));
    }
    Result<Encoding> out = ApiCodec.responseEncoding(request);
    if (out.refusal() != null) {
      return done(out.refusal());
    }
    Optional<Action> action = action(call.value().getType());
    if (action.isPresent() && !security.approved(action.get(), caller)) {
      LOG.info("Refused {} to principal '{}'", call.value().getType(),
          caller.principal().orElse("ANY"));
      return done(ErrorMapping.forbidden());
    }
    if (ObservationCalls.serves(call.value().getType())) {
      return observation.serve(call.value(), out.value(), caller);
    }
    return dispatch(call.value(), out.value(), security.approved(
        Action.VIEW_STANDALONE_CONTAINER, caller));
  }

  /** The ACL action that guards a call, if one does. */
  private static Optional<Action> action(Call.Type type) {
    return switch (type) {
      case LAUNCH_CONTAINER -> Optional.of(Action.LAUNCH_STANDALONE_CONTAINER);
      case WAIT_CONTAINER -> Optional.of(Action.WAIT_STANDALONE_CONTAINER);
      case KILL_CONTAINER -> Optional.of(Action.KILL_STANDALONE_CONTAINER);
      case REMOVE_CONTAINER -> Optional.of(Action.REMOVE_STANDALONE_CONTAINER);
      case PRUNE_IMAGES -> Optional.of(Action.PRUNE_IMAGES);
      case GET_FLAGS -> Optional.of(Action.VIEW_FLAGS);
      default -> Optional.empty();
    };
  }

  private CompletionStage<HttpResponse> dispatch(Call call, Encoding out, boolean mayView) {
    LOG.debug("Serving {} as {}", call.getType(), out);
    return switch (call.getType()) {
      case GET_HEALTH -> done(ApiCodec.encode(ApiResponses.health(), out));
      case GET_VERSION -> done(ApiCodec.encode(ApiResponses.version(info), out));
      case GET_FLAGS -> done(ApiCodec.encode(ApiResponses.flags(info), out));
      case GET_CONTAINERS -> getContainers(call.getGetContainers(), out, mayView);
      case LAUNCH_CONTAINER -> launch(call.getLaunchContainer());
      case WAIT_CONTAINER -> wait(call.getWaitContainer().getContainerId(), out);
      case KILL_CONTAINER -> kill(call.getKillContainer());
      case REMOVE_CONTAINER -> remove(call.getRemoveContainer().getContainerId());
      case PRUNE_IMAGES -> pruneImages(call.getPruneImages());
      default -> done(ErrorMapping.notServed(call.getType()));
    };
  }

  private CompletionStage<HttpResponse> getContainers(
      Call.GetContainers request, Encoding out, boolean mayView) {
    return this.<Containerizer.Containers>ask(
        Containerizer.GetContainers::new, settings.askTimeout(), "get containers",
        reply -> ApiCodec.encode(ApiResponses.containers(
            request, mayView ? reply.containers() : java.util.List.of()), out));
  }

  private CompletionStage<HttpResponse> launch(Call.LaunchContainer launch) {
    return this.<Containerizer.LaunchReply>ask(
        replyTo -> new Containerizer.Launch(launch, null, replyTo),
        settings.askTimeout(), "launch container " + quoted(launch.getContainerId()),
        reply -> {
          if (reply instanceof Containerizer.Rejected rejected) {
            return ErrorMapping.toResponse(rejected.error(), Call.Type.LAUNCH_CONTAINER);
          }
          return empty(reply instanceof Containerizer.AlreadyLaunched
              ? StatusCodes.ACCEPTED
              : StatusCodes.OK);
        });
  }

  private CompletionStage<HttpResponse> wait(ContainerID id, Encoding out) {
    return this.<Containerizer.WaitReply>ask(
        replyTo -> new Containerizer.Wait(id, replyTo),
        settings.waitTimeout(), "wait for container " + quoted(id),
        reply -> reply instanceof Containerizer.Terminated terminated
            ? ApiCodec.encode(ApiResponses.waited(terminated.termination()), out)
            : ErrorMapping.toResponse(
                ((Containerizer.Rejected) reply).error(), Call.Type.WAIT_CONTAINER));
  }

  private CompletionStage<HttpResponse> kill(Call.KillContainer kill) {
    ContainerID id = kill.getContainerId();
    int signal = kill.hasSignal() ? kill.getSignal() : SIGKILL;
    return this.<Containerizer.KillReply>ask(
        replyTo -> new Containerizer.Kill(id, signal, replyTo),
        settings.askTimeout(), "kill container " + quoted(id),
        reply -> reply instanceof Containerizer.Rejected rejected
            ? ErrorMapping.toResponse(rejected.error(), Call.Type.KILL_CONTAINER)
            : empty(StatusCodes.OK));
  }

  private CompletionStage<HttpResponse> remove(ContainerID id) {
    return this.<Containerizer.RemoveReply>ask(
        replyTo -> new Containerizer.Remove(id, replyTo),
        settings.askTimeout(), "remove container " + quoted(id),
        reply -> reply instanceof Containerizer.Rejected rejected
            ? ErrorMapping.toResponse(rejected.error(), Call.Type.REMOVE_CONTAINER)
            : empty(StatusCodes.OK));
  }

  private CompletionStage<HttpResponse> pruneImages(Call.PruneImages prune) {
    return this.<Containerizer.PruneReply>ask(
        replyTo -> new Containerizer.PruneImages(prune.getExcludedImagesList(), replyTo),
        settings.waitTimeout(), "prune images",
        reply -> reply instanceof Containerizer.Rejected rejected
            ? ErrorMapping.toResponse(rejected.error(), Call.Type.PRUNE_IMAGES)
            : empty(StatusCodes.OK));
  }

  /** One ask; its reply mapped by {@code map}, its failure (a timeout) by {@link ErrorMapping}. */
  private <R> CompletionStage<HttpResponse> ask(
      Function<ActorRef<R>, Containerizer.Command> message,
      Duration timeout,
      String verb,
      Function<R, HttpResponse> map) {
    CompletionStage<R> reply =
        AskPattern.ask(containerizer, message::apply, timeout, system.scheduler());
    return reply.thenApply(map).exceptionally(f -> ErrorMapping.fromFailure(f, verb, timeout));
  }

  static String quoted(ContainerID id) {
    return "'" + id.getValue() + "'";
  }

  private static HttpResponse empty(StatusCode status) {
    return HttpResponse.create().withStatus(status);
  }

  private static CompletionStage<HttpResponse> done(HttpResponse response) {
    return CompletableFuture.completedFuture(response);
  }
}
