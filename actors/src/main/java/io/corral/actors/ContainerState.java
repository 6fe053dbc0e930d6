package io.corral.actors;

/** The lifecycle of a container (DESIGN.md), in order; every transition is logged. */
public enum ContainerState {
  PROVISIONING, PREPARING, ISOLATING, FETCHING, RUNNING, DESTROYING, TERMINATED
}
