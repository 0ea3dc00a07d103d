/* placeholder until its module lands */
typedef int ax_placeholder_connect;
