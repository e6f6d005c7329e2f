# ha_embed(OUT_C SYMBOL INPUT): generates OUT_C holding INPUT as
# `const unsigned char SYMBOL[]` and `const size_t SYMBOL_len`, so that data
# files (the rule pack, report assets) are compiled into the program.
function(ha_embed out_c symbol input)
  add_custom_command(
    OUTPUT ${out_c}
    COMMAND ${CMAKE_COMMAND} -DIN=${input} -DOUT=${out_c} -DSYM=${symbol}
            -P ${CMAKE_SOURCE_DIR}/cmake/EmbedFile.cmake
    DEPENDS ${input} ${CMAKE_SOURCE_DIR}/cmake/EmbedFile.cmake
    COMMENT "Embedding ${input}"
    VERBATIM)
endfunction()
