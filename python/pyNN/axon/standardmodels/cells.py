"""PyNN's standard cells mapped onto axon's models.

Names and units are NEST's (axon's models use NEST's parameter names), so the
translations are the ones pyNN.nest states (pyNN/nest/standardmodels/cells.py
of PyNN 0.10.1): nA -> pA and nF -> pF (x 1000), uS -> nS (x 1000), tau_m of a
conductance-based cell -> g_L = C_m / tau_m.
"""
from pyNN.standardmodels import cells, build_translations

# PyNN's names of the integrate-and-fire parameters -> NEST/axon names
_LIF = (
    ('v_rest', 'E_L'),
    ('v_reset', 'V_reset'),
    ('cm', 'C_m', 1000.0),          # nF -> pF
    ('tau_m', 'tau_m'),
    ('tau_refrac', 't_ref'),
    ('v_thresh', 'V_th'),
    ('i_offset', 'I_e', 1000.0),    # nA -> pA
)
_SYN = (('tau_syn_E', 'tau_syn_ex'), ('tau_syn_I', 'tau_syn_in'))


class IF_curr_exp(cells.IF_curr_exp):
    __doc__ = cells.IF_curr_exp.__doc__
    translations = build_translations(*(_LIF + _SYN))
    axon_model = "iaf_psc_exp"
    # PyNN state variable -> (axon state variable, factor PyNN -> axon)
    state_map = {'v': ('V_m', 1.0), 'isyn_exc': ('I_syn_ex', 1000.0),
                 'isyn_inh': ('I_syn_in', 1000.0)}


class IF_curr_alpha(cells.IF_curr_alpha):
    __doc__ = cells.IF_curr_alpha.__doc__
    translations = build_translations(*(_LIF + _SYN))
    axon_model = "iaf_psc_alpha"
    state_map = {'v': ('V_m', 1.0), 'isyn_exc': ('I_syn_ex', 1000.0),
                 'isyn_inh': ('I_syn_in', 1000.0)}


class IF_curr_delta(cells.IF_curr_delta):
    __doc__ = cells.IF_curr_delta.__doc__
    translations = build_translations(*_LIF)
    axon_model = "iaf_psc_delta"
    state_map = {'v': ('V_m', 1.0)}
    receptor_scale = 1e-3  # weights are voltage jumps in mV: undo StaticSynapse's x 1000
    axon_ports = 1


class IF_cond_exp(cells.IF_cond_exp):
    __doc__ = cells.IF_cond_exp.__doc__
    translations = build_translations(
        *[t for t in _LIF if t[0] != 'tau_m'], *_SYN,
        ('tau_m', 'g_L', "cm/tau_m*1000.0", "C_m/g_L"),
        ('e_rev_E', 'E_ex'),
        ('e_rev_I', 'E_in'),
    )
    axon_model = "iaf_cond_exp"
    state_map = {'v': ('V_m', 1.0), 'gsyn_exc': ('g_ex', 1000.0), 'gsyn_inh': ('g_in', 1000.0)}


class SpikeSourcePoisson(cells.SpikeSourcePoisson):
    __doc__ = cells.SpikeSourcePoisson.__doc__
    translations = build_translations(
        ('rate', 'rate'),
        ('start', 'start'),
        ('duration', 'stop', "start+duration", "stop-start"),
    )
    axon_model = "spike_source_poisson"
    state_map = {}


class SpikeSourceArray(cells.SpikeSourceArray):
    __doc__ = cells.SpikeSourceArray.__doc__
    translations = build_translations(('spike_times', 'spike_times'))
    axon_model = "spike_source_array"
    state_map = {}
