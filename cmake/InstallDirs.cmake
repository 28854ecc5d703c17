# Absolute install directories for the prefix an install actually goes to. Files that name other
# installed files (the service unit names the binary and the config file) are written at install
# time with these, because `cmake --install --prefix` and CPack (which installs to /usr) replace
# the prefix the tree was configured with. Used at configure time and from install scripts.

# <dir> as install() places it: itself when absolute, else under <prefix>.
function(tcpchat_install_dir out dir prefix)
  if(IS_ABSOLUTE "${dir}")
    set(${out} "${dir}" PARENT_SCOPE)
  else()
    set(${out} "${prefix}/${dir}" PARENT_SCOPE)
  endif()
endfunction()

# The system configuration directory by GNUInstallDirs' rule: /etc for the prefixes / and /usr,
# /etc/opt/NAME for /opt/NAME, else <prefix>/<dir>.
function(tcpchat_install_sysconfdir out dir prefix)
  if(IS_ABSOLUTE "${dir}")
    set(result "${dir}")
  elseif(prefix MATCHES "^/(usr/?)?$")
    set(result "/${dir}")
  elseif(prefix MATCHES "^/opt/")
    set(result "/${dir}${prefix}")
  else()
    set(result "${prefix}/${dir}")
  endif()
  set(${out} "${result}" PARENT_SCOPE)
endfunction()
