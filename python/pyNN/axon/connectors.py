"""PyNN's connectors for pyNN.axon.

Where the projection joins whole Populations and the connector's random
numbers are axon's (NativeRNG; or none at all, as for all-to-all and
one-to-one), the connector becomes one of axon's connection rules, built by
the engine at the target's thread from Philox streams keyed by (seed,
projection, gid): the network of `axon run` of the equivalent spec, the same
for every ranks x threads. Otherwise PyNN's own Python code draws the
connections and the projection holds them as explicit lists.

PyNN -> axon rule (docs/pynn.md):
  AllToAllConnector(allow_self_connections)  all_to_all (allow_autapses)
  OneToOneConnector                          one_to_one
  FixedProbabilityConnector(p)               pairwise_bernoulli p
  FixedNumberPreConnector(n)                 fixed_indegree n (multapses = with_replacement)
  FixedNumberPostConnector(n)                fixed_outdegree n
  FixedTotalNumberConnector(n)               fixed_total_number n (with replacement only)
"""
from pyNN import connectors
from pyNN.connectors import (  # noqa: F401 (re-exported: PyNN's Python connectors)
    Connector, DistanceDependentProbabilityConnector, DisplacementDependentProbabilityConnector,
    IndexBasedProbabilityConnector, FromListConnector, FromFileConnector, SmallWorldConnector,
    CSAConnector, CloneConnector, ArrayConnector)

from .random import NativeRNG

RULE_ALL_TO_ALL, RULE_ONE_TO_ONE, RULE_FIXED_INDEGREE, RULE_FIXED_OUTDEGREE, \
    RULE_FIXED_TOTAL_NUMBER, RULE_PAIRWISE_BERNOULLI = range(6)


def _self_ok(c):
    return c.allow_self_connections is True or c.allow_self_connections is False


class AllToAllConnector(connectors.AllToAllConnector):
    __doc__ = connectors.AllToAllConnector.__doc__

    def connect(self, projection):
        if not (_self_ok(self) and projection._connect_native(
                RULE_ALL_TO_ALL, autapses=self.allow_self_connections)):
            super().connect(projection)


class OneToOneConnector(connectors.OneToOneConnector):
    __doc__ = connectors.OneToOneConnector.__doc__

    def connect(self, projection):
        if not (projection.pre.size == projection.post.size and
                projection._connect_native(RULE_ONE_TO_ONE)):
            super().connect(projection)


class FixedProbabilityConnector(connectors.FixedProbabilityConnector):
    __doc__ = connectors.FixedProbabilityConnector.__doc__

    def connect(self, projection):
        if not (isinstance(self.rng, NativeRNG) and _self_ok(self) and projection._connect_native(
                RULE_PAIRWISE_BERNOULLI, self.p_connect, autapses=self.allow_self_connections)):
            super().connect(projection)


class _FixedNumber:
    """connect() of FixedNumberPre/PostConnector: natively (the class's
    _axon_rule, in-degree or out-degree) with a NativeRNG and an int n."""

    def connect(self, projection):
        if not (isinstance(self.rng, NativeRNG) and isinstance(self.n, int) and _self_ok(self)
                and projection._connect_native(self._axon_rule, self.n,
                                               autapses=self.allow_self_connections,
                                               multapses=self.with_replacement)):
            super().connect(projection)


class FixedNumberPreConnector(_FixedNumber, connectors.FixedNumberPreConnector):
    __doc__ = connectors.FixedNumberPreConnector.__doc__
    _axon_rule = RULE_FIXED_INDEGREE


class FixedNumberPostConnector(_FixedNumber, connectors.FixedNumberPostConnector):
    __doc__ = connectors.FixedNumberPostConnector.__doc__
    _axon_rule = RULE_FIXED_OUTDEGREE


class FixedTotalNumberConnector(connectors.FixedTotalNumberConnector):
    __doc__ = connectors.FixedTotalNumberConnector.__doc__

    def connect(self, projection):
        if not (isinstance(self.rng, NativeRNG) and isinstance(self.n, int) and _self_ok(self)
                and self.with_replacement and projection._connect_native(
                    RULE_FIXED_TOTAL_NUMBER, self.n, autapses=self.allow_self_connections)):
            super().connect(projection)
