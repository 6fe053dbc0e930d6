package io.corral.http;

import com.google.protobuf.ByteString;
import io.corral.http.ApiCodec.Encoding;
import io.corral.http.security.Action;
import io.corral.http.security.HttpSecurity;
import io.corral.http.security.HttpSecurity.Caller;
import io.corral.proto.v1.Metric;
import io.corral.proto.v1.agent.Call;
import io.corral.proto.v1.agent.Response;
import java.time.Duration;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The v1 calls that observe the agent rather than a container: LIST_FILES and READ_FILE (over
 * {@link FilesApi}, with its statuses), GET_METRICS (the values of {@code /metrics/snapshot}),
 * GET_LOGGING_LEVEL and SET_LOGGING_LEVEL ({@link LoggingControl}, the latter guarded by the
 * {@code set_log_level} ACL as in Mesos; a 200 with no body).
 *
 * <p>Threading: any; holds no mutable state.
 */
final class ObservationCalls {
  private static final Logger LOG = LoggerFactory.getLogger(ObservationCalls.class);

  private final FilesApi files;
  private final MetricsViews metrics;
  private final LoggingControl logging;
  private final HttpSecurity security;

  ObservationCalls(FilesApi files, MetricsViews metrics, LoggingControl logging,
      HttpSecurity security) {
    this.files = files;
    this.metrics = metrics;
    this.logging = logging;
    this.security = security;
  }

  /** Whether this class serves {@code type}. */
  static boolean serves(Call.Type type) {
    return switch (type) {
      case LIST_FILES, READ_FILE, GET_METRICS, GET_LOGGING_LEVEL, SET_LOGGING_LEVEL -> true;
      default -> false;
    };
  }

  CompletionStage<HttpResponse> serve(Call call, Encoding out, Caller caller) {
    return switch (call.getType()) {
      case LIST_FILES -> listFiles(call.getListFiles().getPath(), out, caller);
      case READ_FILE -> readFile(call.getReadFile(), out, caller);
      case GET_METRICS -> done(ApiCodec.encode(metrics(), out));
      case GET_LOGGING_LEVEL -> done(ApiCodec.encode(Response.newBuilder()
          .setType(Response.Type.GET_LOGGING_LEVEL)
          .setGetLoggingLevel(Response.GetLoggingLevel.newBuilder().setLevel(logging.level()))
          .build(), out));
      case SET_LOGGING_LEVEL -> done(setLevel(call.getSetLoggingLevel(), caller));
      default -> done(ErrorMapping.notServed(call.getType()));
    };
  }

  private CompletionStage<HttpResponse> listFiles(String path, Encoding out, Caller caller) {
    LOG.info("Processing LIST_FILES call for path '{}'", path);
    return files.on(path, caller, t -> files.sandboxFiles().browse(t, path))
        .thenApply(infos -> ApiCodec.encode(Response.newBuilder()
            .setType(Response.Type.LIST_FILES)
            .setListFiles(Response.ListFiles.newBuilder().addAllFileInfos(infos))
            .build(), out))
        .exceptionally(f -> FilesApi.response(f, "list files", files.settings()));
  }

  private CompletionStage<HttpResponse> readFile(Call.ReadFile read, Encoding out, Caller caller) {
    LOG.debug("Processing READ_FILE call for path '{}'", read.getPath());
    if (read.getOffset() < 0 || read.hasLength() && read.getLength() < 0) {
      return done(ErrorMapping.badRequest("Failed to read file '" + read.getPath()
          + "': offset and length must be below 2^63"));
    }
    OptionalLong length = read.hasLength() ? OptionalLong.of(read.getLength()) : OptionalLong.empty();
    return files.on(read.getPath(), caller,
            t -> files.sandboxFiles().read(t, read.getOffset(), length))
        .thenApply(chunk -> ApiCodec.encode(Response.newBuilder()
            .setType(Response.Type.READ_FILE)
            .setReadFile(Response.ReadFile.newBuilder()
                .setSize(chunk.size())
                .setData(ByteString.copyFrom(chunk.data())))
            .build(), out))
        .exceptionally(f -> FilesApi.response(f, "read file", files.settings()));
  }

  private Response metrics() {
    Response.GetMetrics.Builder list = Response.GetMetrics.newBuilder();
    metrics.values().forEach((name, value) ->
        list.addMetrics(Metric.newBuilder().setName(name).setValue(value)));
    return Response.newBuilder().setType(Response.Type.GET_METRICS).setGetMetrics(list).build();
  }

  private HttpResponse setLevel(Call.SetLoggingLevel set, Caller caller) {
    if (!security.approved(Action.SET_LOG_LEVEL, caller)) {
      return ErrorMapping.forbidden();
    }
    if (!logging.settable()) {
      return ErrorMapping.plain(StatusCodes.NOT_IMPLEMENTED, "request.not-supported",
          "Failed to set the logging level: this agent's level is fixed");
    }
    Duration duration = Duration.ofNanos(set.getDuration().getNanoseconds());
    if (duration.isNegative()) {
      return ErrorMapping.badRequest("Failed to set the logging level: negative duration");
    }
    LOG.info("Processing SET_LOGGING_LEVEL call for level {}", Integer.toUnsignedString(set.getLevel()));
    logging.set(set.getLevel() < 0 ? Integer.MAX_VALUE : set.getLevel(), duration);
    return HttpResponse.create();
  }

  private static CompletionStage<HttpResponse> done(HttpResponse response) {
    return CompletableFuture.completedFuture(response);
  }
}
