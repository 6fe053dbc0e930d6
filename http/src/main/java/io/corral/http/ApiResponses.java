package io.corral.http;

import io.corral.actors.Containerizer.ContainerSnapshot;
import io.corral.actors.ContainerState;
import io.corral.proto.v1.ContainerStatus;
import io.corral.proto.v1.ContainerTermination;
import io.corral.proto.v1.Flag;
import io.corral.proto.v1.TaskResourceLimitation;
import io.corral.proto.v1.VersionInfo;
import io.corral.proto.v1.agent.Call;
import io.corral.proto.v1.agent.Response;
import java.util.List;

/**
 * Builds the {@link Response} messages of the served calls from the agent's own values (Mesos'
 * {@code evolve<...>} step). Pure functions; thread-safe.
 */
final class ApiResponses {
  private ApiResponses() {}

  static Response health() {
    return Response.newBuilder()
        .setType(Response.Type.GET_HEALTH)
        .setGetHealth(Response.GetHealth.newBuilder().setHealthy(true))
        .build();
  }

  static Response version(AgentInfo info) {
    return Response.newBuilder()
        .setType(Response.Type.GET_VERSION)
        .setGetVersion(Response.GetVersion.newBuilder().setVersionInfo(versionInfo(info)))
        .build();
  }

  static VersionInfo versionInfo(AgentInfo info) {
    return VersionInfo.newBuilder()
        .setVersion(info.version())
        .setBuildDate(info.buildDate())
        .setBuildTime(AgentInfo.seconds(info.buildTime()))
        .setBuildUser(info.buildUser())
        .setGitTag(info.corralVersion())
        .build();
  }

  static Response flags(AgentInfo info) {
    Response.GetFlags.Builder flags = Response.GetFlags.newBuilder();
    for (AgentInfo.Flag flag : info.flags()) {
      flags.addFlags(Flag.newBuilder().setName(flag.name()).setValue(flag.value()));
    }
    return Response.newBuilder().setType(Response.Type.GET_FLAGS).setGetFlags(flags).build();
  }

  /**
   * GET_CONTAINERS as Mesos answers it: only containers the containerizer still runs (not the
   * terminated ones it keeps for WAIT), nested ones only with {@code show_nested}, standalone ones
   * (every container without a parent, since Corral has no executors) only with {@code
   * show_standalone}. Both default to false, so a plain GET_CONTAINERS lists nothing, as in Mesos.
   */
  static Response containers(Call.GetContainers request, List<ContainerSnapshot> snapshots) {
    Response.GetContainers.Builder list = Response.GetContainers.newBuilder();
    for (ContainerSnapshot snapshot : snapshots) {
      if (snapshot.state() == ContainerState.TERMINATED) {
        continue;
      }
      boolean nested = snapshot.id().hasParent();
      if (nested ? !request.getShowNested() : !request.getShowStandalone()) {
        continue;
      }
      Response.GetContainers.Container.Builder entry =
          Response.GetContainers.Container.newBuilder().setContainerId(snapshot.id());
      if (snapshot.status() != null) {
        entry.setContainerStatus(status(snapshot));
      }
      if (snapshot.statistics() != null) {
        entry.setResourceStatistics(snapshot.statistics());
      }
      list.addContainers(entry);
    }
    return Response.newBuilder()
        .setType(Response.Type.GET_CONTAINERS)
        .setGetContainers(list)
        .build();
  }

  /** The snapshot's status, with its container id filled in as Mesos always sets it. */
  static ContainerStatus status(ContainerSnapshot snapshot) {
    ContainerStatus status = snapshot.status();
    return status.hasContainerId()
        ? status
        : status.toBuilder().setContainerId(snapshot.id()).build();
  }

  /**
   * WAIT_CONTAINER from a termination: {@code status} becomes {@code exit_status} (the raw wait
   * status), and {@code limited_resources} becomes {@code limitation.resources}.
   */
  static Response waited(ContainerTermination termination) {
    Response.WaitContainer.Builder wait = Response.WaitContainer.newBuilder();
    if (termination.hasStatus()) {
      wait.setExitStatus(termination.getStatus());
    }
    if (termination.hasState()) {
      wait.setState(termination.getState());
    }
    if (termination.hasReason()) {
      wait.setReason(termination.getReason());
    }
    if (termination.getLimitedResourcesCount() > 0) {
      wait.setLimitation(TaskResourceLimitation.newBuilder()
          .addAllResources(termination.getLimitedResourcesList()));
    }
    if (termination.hasMessage()) {
      wait.setMessage(termination.getMessage());
    }
    return Response.newBuilder()
        .setType(Response.Type.WAIT_CONTAINER)
        .setWaitContainer(wait)
        .build();
  }
}
