package io.corral.isolators;

import io.corral.proto.v1.Resource;
import io.corral.proto.v1.TaskStatus;
import java.util.List;

/**
 * A breached limit reported by {@link Isolator#watch} (Mesos' {@code ContainerLimitation}): the
 * container is destroyed with state TASK_FAILED, this reason and message, and these resources as
 * its limitation.
 */
public record Limitation(List<Resource> resources, String message, TaskStatus.Reason reason) {}
