"""Native axon cell types, with NEST's parameter names, read from libaxon's
model table (include/axon/model.h through axon/sim.h): native_cell_type().

Choice parameters (e.g. iaf_psc_delta's reset: 'absolute' or 'subtract')
are given by name and kept as the choice's index, since PyNN's parameter
spaces hold numbers.
"""
import ctypes

from pyNN.models import BaseCellType

from ._lib import lib

_UNITS = {'V_m': 'mV', 'I_mem': 'pA'}


def _unit_of_state(name):
    if name in _UNITS:
        return _UNITS[name]
    if name.startswith('I_') or name.startswith('dI_'):
        return 'pA'
    if name.startswith('g_'):
        return 'nS'
    return 'dimensionless'


def model_names():
    return [lib.ax_sim_model_name(i).decode() for i in range(lib.ax_sim_model_count())]


def model_table(model):
    """(parameters {name: (default, unit, kind, choices, per_neuron)}, state names,
    n_receptors, weight unit) of an axon model."""
    np_, ns, nr = ctypes.c_int(), ctypes.c_int(), ctypes.c_int()
    wu, doc = ctypes.c_char_p(), ctypes.c_char_p()
    if lib.ax_sim_model_info(model.encode(), ctypes.byref(np_), ctypes.byref(ns),
                             ctypes.byref(nr), ctypes.byref(wu), ctypes.byref(doc)) != 0:
        raise ValueError("unknown axon model '%s'; models: %s" % (model, ", ".join(model_names())))
    params = {}
    for i in range(np_.value):
        name, unit, choices, pdoc = (ctypes.c_char_p() for _ in range(4))
        d, kind, per = ctypes.c_double(), ctypes.c_int(), ctypes.c_int()
        lib.ax_sim_model_param(model.encode(), i, ctypes.byref(name), ctypes.byref(unit),
                               ctypes.byref(d), ctypes.byref(kind), ctypes.byref(choices),
                               ctypes.byref(per), ctypes.byref(pdoc))
        params[name.value.decode()] = (d.value, unit.value.decode(), kind.value,
                                       choices.value.decode().split("|") if kind.value == 2 else None,
                                       bool(per.value))
    states = [lib.ax_sim_model_state(model.encode(), i).decode() for i in range(ns.value)]
    return params, states, nr.value, wu.value.decode()


class NativeCellType(BaseCellType):
    """An axon model used directly (parameters in NEST's names and units)."""
    axon_model = None
    choices = {}

    def __init__(self, **parameters):
        for name, value in list(parameters.items()):
            if name in self.choices and isinstance(value, str):
                if value not in self.choices[name]:
                    raise ValueError("%s: %s must be one of %s (got '%s')" % (
                        self.axon_model, name, ", ".join(self.choices[name]), value))
                parameters[name] = self.choices[name].index(value)
        super().__init__(**parameters)


def native_cell_type(model_name):
    """A NativeCellType subclass for the axon model `model_name`."""
    params, states, n_rec, wunit = model_table(model_name)
    defaults = {}
    choices = {}
    for name, (d, unit, kind, ch, per) in params.items():
        if kind == 1:
            defaults[name] = bool(d)
        elif kind == 2:
            defaults[name] = int(d)
            choices[name] = ch
        else:
            defaults[name] = d
    units = {name: p[1] for name, p in params.items()}
    units.update({s: _unit_of_state(s) for s in states})
    units['spikes'] = 'ms'
    return type(model_name, (NativeCellType,), {
        'axon_model': model_name,
        'default_parameters': defaults,
        'default_initial_values': {},
        'choices': choices,
        'receptor_types': ('excitatory', 'inhibitory'),
        'recordable': states + ['spikes'],
        'units': units,
        'injectable': 'V_m' in states,
        'conductance_based': wunit == 'nS',
        'state_map': {s: (s, 1.0) for s in states},
        'per_neuron': [n for n, p in params.items() if p[4]],
        'axon_ports': n_rec,
    })
