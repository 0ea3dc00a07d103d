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


def _cell(base, axon_model, translations, state_map, **more):
    """axon's class of PyNN's standard cell `base`: the axon model it runs on,
    PyNN's parameters -> the model's (build_translations' tuples) and
    state_map, PyNN's state variable -> (the model's, factor PyNN -> axon);
    `more`: further class attributes (receptor_scale, axon_ports)."""
    body = dict(__doc__=base.__doc__, __module__=__name__, axon_model=axon_model,
                translations=build_translations(*translations), state_map=state_map, **more)
    return type(base)(base.__name__, (base,), body)


_CURR_STATE = {'v': ('V_m', 1.0), 'isyn_exc': ('I_syn_ex', 1000.0), 'isyn_inh': ('I_syn_in', 1000.0)}

IF_curr_exp = _cell(cells.IF_curr_exp, "iaf_psc_exp", _LIF + _SYN, _CURR_STATE)
IF_curr_alpha = _cell(cells.IF_curr_alpha, "iaf_psc_alpha", _LIF + _SYN, _CURR_STATE)
# weights are voltage jumps in mV: receptor_scale undoes StaticSynapse's x 1000
IF_curr_delta = _cell(cells.IF_curr_delta, "iaf_psc_delta", _LIF, {'v': ('V_m', 1.0)},
                      receptor_scale=1e-3, axon_ports=1)
IF_cond_exp = _cell(
    cells.IF_cond_exp, "iaf_cond_exp",
    [t for t in _LIF if t[0] != 'tau_m'] + list(_SYN) + [
        ('tau_m', 'g_L', "cm/tau_m*1000.0", "C_m/g_L"),
        ('e_rev_E', 'E_ex'),
        ('e_rev_I', 'E_in')],
    {'v': ('V_m', 1.0), 'gsyn_exc': ('g_ex', 1000.0), 'gsyn_inh': ('g_in', 1000.0)})
SpikeSourcePoisson = _cell(
    cells.SpikeSourcePoisson, "spike_source_poisson",
    [('rate', 'rate'), ('start', 'start'), ('duration', 'stop', "start+duration", "stop-start")],
    {})
SpikeSourceArray = _cell(cells.SpikeSourceArray, "spike_source_array",
                         [('spike_times', 'spike_times')], {})
