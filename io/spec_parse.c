/* placeholder until its module lands */
typedef int ax_placeholder_spec_parse;
